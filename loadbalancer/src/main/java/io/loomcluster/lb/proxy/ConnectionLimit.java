package io.loomcluster.lb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code LB_MAX_CLIENT_CONNECTIONS}: at the cap the listener stops accepting, so new connections wait
 * in the kernel's accept queue (1024) until one closes. The few accepted in the same batch as the
 * one that reached the cap wait here, unread, the same way.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    /** Accepted beyond the cap; only the listener's event loop touches it. */
    private final ArrayDeque<Channel> waiting = new ArrayDeque<>();
    private volatile List<Channel> listeners = List.of();
    private volatile ChannelHandlerContext context;

    ConnectionLimit(int max) {
        this.max = max;
    }

    void listeners(List<Channel> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        context = ctx;
        int now = open.incrementAndGet();
        if (now >= max) {
            accepting(false);
        }
        if (now > max) {
            waiting.addLast((Channel) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** A client connection closed (called on its own loop). */
    void released() {
        releasedCount();
        ChannelHandlerContext ctx = context;
        if (ctx != null) {
            ctx.executor().execute(() -> admit(ctx));
        }
    }

    /** The count part of {@link #released()}: any thread. */
    void releasedCount() {
        open.decrementAndGet();
    }

    /** Client connections accepted and not yet closed (some may wait to be admitted). */
    int open() {
        return open.get();
    }

    private void admit(ChannelHandlerContext ctx) {
        Channel next = waiting.pollFirst();
        if (next != null) {
            ctx.fireChannelRead(next);
        } else if (open.get() < max) {
            accepting(true);
        }
    }

    private void accepting(boolean on) {
        for (Channel listener : listeners) {
            if (listener.config().isAutoRead() != on) {
                listener.config().setAutoRead(on);
            }
        }
    }
}
