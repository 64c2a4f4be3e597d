package io.loomcluster.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The timeouts of an HTTP/2 connection as a whole, in front of Netty's codec (it sees the raw
 * bytes). Each stream has its own {@link ClientConnection} with the request and idle timeouts; what
 * is left is the time between streams:
 * <ul>
 * <li>the header deadline: once bytes arrive while no stream is open (the preface, or the frames of
 * a request's headers), a stream must open within {@code LB_HEADER_TIMEOUT}, however the bytes are
 * spread: a client that trickles a HEADERS frame byte by byte is closed at the deadline;</li>
 * <li>the idle timeout: a connection with no stream open and nothing read for
 * {@code LB_IDLE_TIMEOUT} is closed.</li>
 * </ul>
 * Closing goes through the codec: GOAWAY, then streams still open may finish.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {
    private final Loop loop;
    private final Http2FrameCodec codec;
    private ChannelHandlerContext ctx;
    private long lastRead;
    /** When bytes started arriving with no stream open; 0 when a stream opened since. */
    private long headersStarted;
    private ScheduledFuture<?> timer;

    Http2Connection(Loop loop, Http2FrameCodec codec) {
        this.loop = loop;
        this.codec = codec;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastRead = loop.ticker.nanoTime();
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                headersStarted = 0;
            }
        });
        loop.openedHttp2(ctx.channel());
        schedule(lastRead + loop.services.idleNanos());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastRead = loop.ticker.nanoTime();
        if (headersStarted == 0 && msg instanceof ByteBuf && codec.connection().numActiveStreams() == 0) {
            headersStarted = lastRead;
            schedule(headersStarted + loop.services.headerNanos());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        loop.closedHttp2(ctx.channel());
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    private void schedule(long at) {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = ctx.executor().schedule(this::check, Math.max(0, at - loop.ticker.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = loop.ticker.nanoTime();
        boolean idle = codec.connection().numActiveStreams() == 0;
        long headerAt = headersStarted == 0 ? Long.MAX_VALUE : headersStarted + loop.services.headerNanos();
        long idleAt = idle ? lastRead + loop.services.idleNanos() : Long.MAX_VALUE;
        if (now >= headerAt || now >= idleAt) {
            ctx.channel().close();
            return;
        }
        schedule(Math.max(now + 1_000_000, Math.min(Math.min(headerAt, idleAt), now + loop.services.idleNanos())));
    }
}
