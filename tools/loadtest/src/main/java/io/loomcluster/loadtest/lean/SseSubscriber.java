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

import java.nio.charset.StandardCharsets;

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
    private final byte[] line = new byte[16 * 1024];
    private int length;
    private boolean overlong;
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
        int end = bytes.writerIndex();
        for (int i = bytes.readerIndex(); i < end; i++) {
            byte b = bytes.getByte(i);
            if (b == '\n') {
                line();
                length = 0;
                overlong = false;
            } else if (length < line.length) {
                line[length++] = b;
            } else {
                overlong = true;
            }
        }
    }

    private void line() {
        int n = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        if (n == 0) {
            event();
            return;
        }
        if (overlong) {
            return;
        }
        if (startsWith(ID, n)) {
            eventId = number(ID.length, n);
        } else if (startsWith(TYPING, n)) {
            typing = true;
        } else if (typing && line[0] == 'd') {
            int at = indexOf(USERNAME, n);
            if (at >= 0) {
                int from = at + USERNAME.length;
                int to = from;
                while (to < n && line[to] != '"') {
                    to++;
                }
                typingSent = typists.sentAt(new String(line, from, to - from, StandardCharsets.UTF_8));
            }
        } else if (line[0] == 'd') {
            int at = indexOf(STAMP, n);
            if (at >= 0) {
                eventStamp = number(at + STAMP.length, n);
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

    private boolean startsWith(byte[] prefix, int n) {
        if (n < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (line[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private int indexOf(byte[] needle, int n) {
        outer:
        for (int i = 0; i + needle.length <= n; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (line[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private long number(int from, int n) {
        long value = 0;
        int i = from;
        for (; i < n && line[i] >= '0' && line[i] <= '9'; i++) {
            value = value * 10 + (line[i] - '0');
        }
        return i == from ? -1 : value;
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
