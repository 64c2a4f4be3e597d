package io.loomcluster.loadtest.lean;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import org.HdrHistogram.Histogram;

import java.nio.charset.StandardCharsets;

/**
 * One lean WebSocket subscriber: after Netty's handshake, each text frame is a message whose
 * {@code "id":} and send time ({@code @t=<epoch µs>} in its text) are read straight from the bytes.
 * Runs on its channel's event loop only.
 */
final class WsSubscriber extends ChannelInboundHandlerAdapter implements LeanSubscriber {
    private static final byte[] ID = "\"id\":".getBytes();
    private static final byte[] STAMP = "@t=".getBytes();
    private static final byte[] TYPING = "\"type\":\"typing\"".getBytes();
    private static final byte[] USERNAME = "\"username\":\"".getBytes();

    private final Tally tally;
    private final LeanStats stats;
    private final Typists typists;
    private volatile boolean open;

    WsSubscriber(Histogram latency, LeanStats stats, Typists typists) {
        this.tally = new Tally(latency);
        this.stats = stats;
        this.typists = typists;
    }

    @Override
    public Tally tally() {
        return tally;
    }

    @Override
    public boolean open() {
        return open;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            open = true;
            stats.connected();
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame frame) {
                ByteBuf text = frame.content();
                if (indexOf(text, TYPING, text.readerIndex()) >= 0) {
                    int from = indexOf(text, USERNAME, text.readerIndex()) + USERNAME.length;
                    int to = from;
                    while (from >= 0 && to < text.writerIndex() && text.getByte(to) != '"') {
                        to++;
                    }
                    if (from >= 0) {
                        long sent = typists.sentAt(text.toString(from, to - from, StandardCharsets.UTF_8));
                        if (sent > 0) {
                            tally.typed(sent);
                        }
                    }
                    return;
                }
                long id = number(text, indexOf(text, ID, text.readerIndex()) + ID.length);
                int at = indexOf(text, STAMP, text.readerIndex());
                if (id >= 0 && at >= 0) {
                    tally.delivered(id, number(text, at + STAMP.length));
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static int indexOf(ByteBuf bytes, byte[] needle, int from) {
        int end = bytes.writerIndex() - needle.length;
        outer:
        for (int i = from; i <= end; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (bytes.getByte(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return Integer.MIN_VALUE / 2;
    }

    private static long number(ByteBuf bytes, int from) {
        if (from < 0) {
            return -1;
        }
        long value = 0;
        int i = from;
        for (; i < bytes.writerIndex() && bytes.getByte(i) >= '0' && bytes.getByte(i) <= '9'; i++) {
            value = value * 10 + (bytes.getByte(i) - '0');
        }
        return i == from ? -1 : value;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (open) {
            stats.closed();
        } else {
            stats.refused(0);
        }
        open = false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
