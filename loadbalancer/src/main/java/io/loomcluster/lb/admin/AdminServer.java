package io.loomcluster.lb.admin;

import io.loomcluster.lb.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The admin port on one event loop of its own, so admin traffic never competes with the data path's
 * loops. Its loop also runs the dashboard's ticker; streams and ticks share that one thread.
 */
public final class AdminServer implements AutoCloseable {
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    /** An admin connection (or a dashboard stream that makes no progress) is closed after this. */
    private static final int IDLE_SECONDS = 30;

    private final EventLoopGroup group;
    private final Transport transport;
    private Channel listener;

    public AdminServer(Transport transport) {
        this.transport = transport;
        this.group = transport.group("lb-admin", 1);
    }

    /** The admin loop, for scheduled work that must not run on the data path's loops. */
    public ScheduledExecutorService scheduler() {
        return group.next();
    }

    public AdminServer start(String host, int port, AdminHandler routes) throws InterruptedException {
        listener = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, IDLE_SECONDS, 0, TimeUnit.SECONDS) {
                            @Override
                            protected void channelIdle(io.netty.channel.ChannelHandlerContext ctx,
                                                       io.netty.handler.timeout.IdleStateEvent evt) {
                                ctx.close();
                            }
                        });
                        ch.pipeline().addLast(new HttpServerCodec());
                        ch.pipeline().addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES));
                        ch.pipeline().addLast(routes);
                    }
                })
                .bind(host, port).sync().channel();
        return this;
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
