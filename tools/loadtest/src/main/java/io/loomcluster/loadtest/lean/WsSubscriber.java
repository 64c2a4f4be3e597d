package io.loomcluster.loadtest.lean;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import org.HdrHistogram.Histogram;

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
    // A frame is read from this copy; the server's frames are far below the bound.
    private final Scan text = new Scan(64 * 1024);
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
                ByteBuf content = frame.content();
                text.clear();
                text.append(content, content.readerIndex(), content.readableBytes());
                int n = text.length();
                if (text.indexOf(TYPING, n) >= 0) {
                    int at = text.indexOf(USERNAME, n);
                    if (at >= 0) {
                        long sent = typists.sentAt(text.quoted(at + USERNAME.length, n));
                        if (sent > 0) {
                            tally.typed(sent);
                        }
                    }
                    return;
                }
                int idAt = text.indexOf(ID, n);
                long id = idAt < 0 ? -1 : text.number(idAt + ID.length, n);
                int at = text.indexOf(STAMP, n);
                if (id >= 0 && at >= 0) {
                    tally.delivered(id, text.number(at + STAMP.length, n));
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
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
