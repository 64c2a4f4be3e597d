package io.loomcluster.lb.proxy;

import io.loomcluster.lb.backend.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Opens a connection to a backend on a loop, with the HTTP/1.1 client codec and then the given
 * handler in its pipeline. The one seam between the data path and the network: tests put
 * in-memory channels behind it.
 */
@FunctionalInterface
interface BackendConnector {
    int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;
    int MAX_CHUNK_BYTES = 64 * 1024;

    ChannelFuture connect(Backend backend, BackendHandler handler);

    /** The codec a backend connection speaks: responses up to 64 KiB of headers, bodies in chunks of at most 64 KiB. */
    static HttpClientCodec codec() {
        return new HttpClientCodec(new HttpDecoderConfig()
                .setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES).setMaxChunkSize(MAX_CHUNK_BYTES), false, false);
    }

    /** Real connections, made by {@code loopBootstrap} (already bound to the loop). */
    static BackendConnector of(Bootstrap loopBootstrap) {
        Bootstrap bootstrap = loopBootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("http", codec());
            }
        });
        return (backend, handler) -> {
            ChannelFuture future = bootstrap.connect(backend.socketAddress());
            future.channel().pipeline().addLast("backend", handler);
            return future;
        };
    }
}
