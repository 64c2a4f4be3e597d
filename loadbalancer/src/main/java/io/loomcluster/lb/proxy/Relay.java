package io.loomcluster.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * A WebSocket after the backend's 101: bytes pass both ways untouched, on the one event loop both
 * connections live on. Frames, pings and close frames are the endpoints' own; the balancer adds
 * back-pressure (a side is read only while the other can take more) and an idle timeout
 * ({@code LB_WS_IDLE_TIMEOUT}), and closes one side when the other closes.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private boolean pendingFlush;

    private Relay(Channel peer) {
        this.peer = peer;
    }

    /** Replaces the HTTP handlers of both connections with a relay; the 101 was written already. */
    static void link(Channel client, Channel backend, long idleNanos) {
        ChannelPipeline b = backend.pipeline();
        b.replace("backend", "relay", new Relay(client));
        b.addFirst("idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
        HttpClientCodec codec = b.get(HttpClientCodec.class);
        codec.removeOutboundHandler();
        // The decoder is in its upgraded state and passes bytes on; it leaves once its own read is over.
        backend.eventLoop().execute(() -> {
            if (b.get(HttpClientCodec.class) != null) {
                b.remove(codec);
            }
        });

        ChannelPipeline c = client.pipeline();
        c.replace(ClientConnection.class, "relay", new Relay(backend));
        c.remove(EdgeResponseEncoder.class);
        c.addFirst("idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
        // Bytes the client sent after its upgrade request are passed on as the decoder leaves.
        c.remove(EdgeRequestDecoder.class);
        client.config().setAutoRead(true);
        backend.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            peer.write(bytes, peer.voidPromise());
            pendingFlush = true;
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pendingFlush) {
            pendingFlush = false;
            peer.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This side drained (or filled): reading the other side, which writes here, follows.
        peer.config().setAutoRead(ctx.channel().isWritable());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
