package io.loomcluster.loadtest.lean;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.HdrHistogram.Histogram;

/**
 * One lean SSE subscriber: sends its GET when connected, then reads only what a measurement needs
 * from each event (its {@code id:} and the send time a post carries as {@code @t=<epoch µs>} in its
 * text), straight from the bytes, without JSON. Latency goes into its event loop's histogram; ids
 * must rise (a repeat is a duplicate). Runs on its channel's event loop only.
 */
final class SseSubscriber extends ChannelInboundHandlerAdapter implements LeanSubscriber {
    private static final byte[] ID = "id: ".getBytes();
    private static final byte[] STAMP = "@t=".getBytes();
    private static final byte[] TYPING = "event: typing".getBytes();
    private static final byte[] USERNAME = "\"username\":\"".getBytes();

    private final String host;
    private final String path;
    private final String cookie;
    final Tally tally;
    private final LeanStats stats;
    private final Scan line = new Scan(16 * 1024);
    private long eventId = -1;
    private long eventStamp = -1;
    private boolean typing;
    private long typingSent = -1;
    private final Typists typists;
    volatile boolean open;

    @Override
    public Tally tally() {
        return tally;
    }

    @Override
    public boolean open() {
        return open;
    }

    SseSubscriber(String host, String path, String cookie, Histogram latency, LeanStats stats, Typists typists) {
        this.typists = typists;
        this.host = host;
        this.path = path;
        this.cookie = cookie;
        this.tally = new Tally(latency);
        this.stats = stats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers().set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.ACCEPT, "text/event-stream")
                .set(HttpHeaderNames.COOKIE, "SESSION=" + cookie);
        ctx.writeAndFlush(request);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpResponse response) {
                if (response.status().code() == 200) {
                    open = true;
                    stats.connected();
                } else {
                    stats.refused(response.status().code());
                    ctx.close();
                }
            }
            if (msg instanceof HttpContent content && open) {
                read(content.content());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(ByteBuf bytes) {
        int index = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (index < end) {
            int newline = bytes.indexOf(index, end, (byte) '\n');
            int stop = newline < 0 ? end : newline;
            line.append(bytes, index, stop - index);
            if (newline < 0) {
                return;
            }
            line();
            line.clear();
            index = newline + 1;
        }
    }

    private void line() {
        int n = line.length() > 0 && line.at(line.length() - 1) == '\r' ? line.length() - 1 : line.length();
        if (n == 0) {
            event();
            return;
        }
        if (line.overlong()) {
            return;
        }
        if (line.startsWith(ID, n)) {
            eventId = line.number(ID.length, n);
        } else if (line.startsWith(TYPING, n)) {
            typing = true;
        } else if (typing && line.at(0) == 'd') {
            int at = line.indexOf(USERNAME, n);
            if (at >= 0) {
                typingSent = typists.sentAt(line.quoted(at + USERNAME.length, n));
            }
        } else if (line.at(0) == 'd') {
            int at = line.indexOf(STAMP, n);
            if (at >= 0) {
                eventStamp = line.number(at + STAMP.length, n);
            }
        }
    }

    private void event() {
        if (typing) {
            if (typingSent > 0) {
                tally.typed(typingSent);
            }
        } else if (eventId >= 0 && eventStamp > 0) {
            tally.delivered(eventId, eventStamp);
        }
        eventId = -1;
        eventStamp = -1;
        typing = false;
        typingSent = -1;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (open) {
            stats.closed();
        }
        open = false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
