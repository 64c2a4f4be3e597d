package io.loomcluster.lb.proxy;

import io.loomcluster.contract.ClientKeys;
import io.loomcluster.lb.limits.ClientConnectionCounter;
import io.loomcluster.lb.tls.ServerCertificate;
import io.netty.util.AttributeKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The pipeline of an accepted client connection. Plain: HTTP/1.1. TLS: the handshake (with the
 * certificate current at accept time), then HTTP/2 or HTTP/1.1 as ALPN chose. Over HTTP/2 each
 * stream is a child channel whose frames Netty converts to HTTP/1.1 objects, served by its own
 * {@link ClientConnection} on the parent's event loop, so an h2 request goes through the same
 * exchange and the same backend pools as an HTTP/1.1 one; the stream's flow-control window is its
 * channel's writability, which is what back-pressure already watches.
 *
 * <p>HTTP/2 bounds: {@value #MAX_STREAMS} concurrent streams per connection
 * (SETTINGS_MAX_CONCURRENT_STREAMS, refused beyond with RST_STREAM by Netty), the header list size
 * ({@code LB_MAX_HEADER_BYTES}, enforced by Netty's HPACK decoder across CONTINUATION frames, so a
 * CONTINUATION flood ends in a connection error), and at most {@value #MAX_RESETS} RST_STREAM
 * frames per {@value #RESET_WINDOW_SECONDS} s from a client before the connection is closed
 * (rapid reset, CVE-2023-44487).
 */
final class ClientChannels extends ChannelInitializer<Channel> {
    private static final Logger LOG = LoggerFactory.getLogger(ClientChannels.class);
    static final int MAX_STREAMS = 100;
    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;

    private final Map<EventLoop, Loop> byEventLoop;
    private final ConnectionLimit limit;
    private final HttpDecoderConfig decoding;
    private final int maxHeaderBytes;
    private final long shutdownMillis;
    /** Null on the plain port. */
    private final ServerCertificate certificate;
    private final boolean proxyProtocol;

    ClientChannels(Map<EventLoop, Loop> byEventLoop, ConnectionLimit limit, HttpDecoderConfig decoding,
                   int maxHeaderBytes, long shutdownMillis, ServerCertificate certificate, boolean proxyProtocol) {
        this.proxyProtocol = proxyProtocol;
        this.byEventLoop = byEventLoop;
        this.limit = limit;
        this.decoding = decoding;
        this.maxHeaderBytes = maxHeaderBytes;
        this.shutdownMillis = shutdownMillis;
        this.certificate = certificate;
    }

    /** Set on a connection whose client address came in a PROXY protocol header. */
    static final AttributeKey<String> PROXIED_CLIENT = AttributeKey.valueOf("loom.proxiedClient");

    /** The client's address: from the PROXY protocol header if there was one, else the socket's peer. */
    static String clientAddress(Channel ch) {
        Channel connection = ch instanceof Http2StreamChannel ? ch.parent() : ch;
        String proxied = connection.attr(PROXIED_CLIENT).get();
        if (proxied != null) {
            return proxied;
        }
        return ((InetSocketAddress) connection.remoteAddress()).getAddress().getHostAddress();
    }

    @Override
    protected void initChannel(Channel ch) {
        Loop loop = byEventLoop.get(ch.eventLoop());
        ch.closeFuture().addListener(f -> limit.released());
        if (proxyProtocol) {
            // Only a trusted proxy may say who the client is.
            if (!loop.services.trustedProxies().trusts(clientAddress(ch))) {
                ch.close();
                return;
            }
            ch.pipeline().addLast("proxy-protocol", new HAProxyMessageDecoder());
            ch.pipeline().addLast("proxy-header", new ProxyProtocolHeader(loop.services.headerNanos(),
                    () -> setUp(ch, loop)));
            return;
        }
        setUp(ch, loop);
    }

    private void setUp(Channel ch, Loop loop) {
        if (!admitted(ch, loop.services)) {
            return;
        }
        if (certificate == null) {
            http1(ch.pipeline(), loop, false);
            return;
        }
        SslHandler tls = certificate.context().newHandler(ch.alloc());
        // The handshake counts against the header deadline: a client trickling its hello is cut off too.
        tls.setHandshakeTimeoutMillis(loop.services.headerNanos() / 1_000_000);
        ch.pipeline().addLast("tls", tls);
        ch.pipeline().addLast("alpn", new Alpn(loop));
    }

    /**
     * {@code LB_MAX_CONNECTIONS_PER_CLIENT}, by the peer's address (an IPv6 peer by its /64); trusted
     * proxies (they carry many clients) and {@code LB_CLIENT_LIMITS_EXEMPT} are exempt. Over the
     * limit, the connection is closed before anything is read.
     */
    private static boolean admitted(Channel ch, Services services) {
        ClientConnectionCounter perClient = services.perClient();
        if (perClient == null) {
            return true;
        }
        String address = clientAddress(ch);
        if (services.trustedProxies().trusts(address) || services.limitsExempt().trusts(address)) {
            return true;
        }
        String key = ClientKeys.of(address);
        if (!perClient.tryOpen(key)) {
            ch.close();
            return false;
        }
        ch.closeFuture().addListener(f -> perClient.closed(key));
        return true;
    }

    private void http1(ChannelPipeline p, Loop loop, boolean secure) {
        EdgeRequestDecoder decoder = new EdgeRequestDecoder(decoding);
        EdgeResponseEncoder encoder = new EdgeResponseEncoder();
        p.addLast("decoder", decoder);
        p.addLast("encoder", encoder);
        p.addLast("client", ClientConnection.http1(loop, decoder, encoder, secure));
    }

    private void http2(ChannelPipeline p, Loop loop) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_STREAMS)
                        .maxHeaderListSize(maxHeaderBytes))
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .gracefulShutdownTimeoutMillis(shutdownMillis)
                .build();
        p.addLast("h2-timeouts", new Http2Connection(loop, codec));
        p.addLast("h2", codec);
        // Streams answered in one turn of the loop (their backends' reads ended in the same batch) go
        // out in one flush: one pass of the codec's flow controller, one TLS record, one write, instead
        // of each response flushed on its own. During a read of the connection, flushes wait for its end.
        p.addLast("h2-flush", new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        p.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast("h2-to-http", new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast("client", ClientConnection.http2Stream(loop));
            }
        }));
    }

    /** After the handshake: the protocol the client and the balancer agreed on (HTTP/1.1 without ALPN). */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final Loop loop;

        Alpn(Loop loop) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.loop = loop;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), loop);
            } else {
                http1(ctx.pipeline(), loop, true);
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            // Scanners, clients that do not trust the certificate, plain HTTP on the TLS port: not worth a warning each.
            LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
