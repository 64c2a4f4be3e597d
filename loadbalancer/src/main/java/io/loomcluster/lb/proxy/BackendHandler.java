package io.loomcluster.lb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One connection to a backend, pooled across exchanges of its event loop. It forwards what the
 * backend sends to the exchange it serves right now; what arrives while it is idle in the pool is a
 * protocol error and closes it. Writes to the client are flushed once per read batch.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private final BackendConnections pool;
    private final boolean dedicated;
    private Channel channel;
    private Exchange exchange;
    private long idleSince;
    /** Carries a long-lived stream, counted apart from the pool ({@link BackendConnections#acquireStream}). */
    private boolean stream;
    /** The client channel written to during this read batch, flushed when the batch ends. */
    private Channel flushClient;

    BackendHandler(BackendConnections pool, boolean dedicated) {
        this.pool = pool;
        this.dedicated = dedicated;
    }

    Channel channel() {
        return channel;
    }

    BackendConnections pool() {
        return pool;
    }

    boolean dedicated() {
        return dedicated;
    }

    boolean stream() {
        return stream;
    }

    void stream(boolean stream) {
        this.stream = stream;
    }

    long idleSince() {
        return idleSince;
    }

    void idleSince(long nanos) {
        idleSince = nanos;
    }

    void attach(Exchange exchange) {
        this.exchange = exchange;
    }

    void detach() {
        exchange = null;
    }

    void flushClientLater(Channel client) {
        flushClient = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        pool.backend.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange current = exchange;
        if (current != null) {
            current.fromBackend(this, msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel client = flushClient;
        if (client != null) {
            flushClient = null;
            client.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange current = exchange;
        if (current != null) {
            current.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.backend.connectionClosed();
        pool.closed(this);
        Exchange current = exchange;
        exchange = null;
        if (current != null) {
            current.backendClosed(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or a decoding failure: the exchange learns of it from channelInactive.
        ctx.close();
    }
}
