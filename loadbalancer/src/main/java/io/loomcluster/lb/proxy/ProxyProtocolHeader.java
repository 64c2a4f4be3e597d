package io.loomcluster.lb.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * {@code LB_PROXY_PROTOCOL}: waits for the PROXY protocol header (v1 or v2, decoded by Netty's
 * {@code HAProxyMessageDecoder} in front of this), takes the client address it carries as the
 * connection's, then sets the rest of the pipeline up (TLS, HTTP) and steps aside. A header that
 * does not arrive within {@code LB_HEADER_TIMEOUT}, or does not parse, closes the connection. A
 * {@code LOCAL} header (the proxy's own health check) keeps the peer's address.
 */
final class ProxyProtocolHeader extends ChannelInboundHandlerAdapter {
    private final long deadlineNanos;
    private final Runnable setUp;
    private ScheduledFuture<?> timeout;

    ProxyProtocolHeader(long deadlineNanos, Runnable setUp) {
        this.deadlineNanos = deadlineNanos;
        this.setUp = setUp;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            ctx.close();
        }, deadlineNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            // Bytes past the header before it was decoded cannot happen (the decoder holds them).
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        try {
            if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                ctx.channel().attr(ClientChannels.PROXIED_CLIENT).set(header.sourceAddress());
            }
        } finally {
            header.release();
        }
        timeout.cancel(false);
        ctx.pipeline().remove(this);
        setUp.run();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
