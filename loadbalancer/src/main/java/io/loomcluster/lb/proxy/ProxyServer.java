package io.loomcluster.lb.proxy;

import io.loomcluster.lb.access.AccessLog;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.limits.ClientConnectionCounter;
import io.loomcluster.lb.limits.RateLimiter;
import io.loomcluster.lb.routing.Router;
import io.loomcluster.lb.tls.ServerCertificate;
import io.loomcluster.lb.tracing.Tracing;
import io.loomcluster.lb.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The public port: accepts client connections onto the event loops, each with its {@link Loop}
 * (its pools of backend connections), under the connection cap. Stops by draining.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    private static final int MAX_INITIAL_LINE_BYTES = 8192;

    private final LbConfig config;
    private final Transport transport;
    private final EventLoopGroup loops;
    private final Map<EventLoop, Loop> byEventLoop = new IdentityHashMap<>();
    private final ConnectionLimit limit;
    private final List<Channel> listeners = new ArrayList<>();
    /** Null when TLS is off. */
    private final ServerCertificate certificate;
    /** Null when there is no rate limit. */
    private final RateLimiter rateLimiter;
    /** Null when there is no limit on connections per client. */
    private final ClientConnectionCounter perClient;
    private final LbMetrics metrics;

    public ProxyServer(LbConfig config, Transport transport, Router router, LbMetrics metrics, AccessLog accessLog,
                       Tracing tracing, ServerCertificate certificate) {
        this.config = config;
        this.metrics = metrics;
        this.certificate = certificate;
        this.transport = transport;
        this.loops = transport.group("lb-loop", config.io().eventLoops());
        this.limit = new ConnectionLimit(config.limits().maxClientConnections());
        LbConfig.Edge edge = config.edge();
        this.rateLimiter = edge.ratePerSecond() > 0
                ? new RateLimiter(edge.ratePerSecond(), edge.rateBurst(), edge.maxTrackedClients(), System::nanoTime) : null;
        this.perClient = edge.maxConnectionsPerClient() > 0
                ? new ClientConnectionCounter(edge.maxConnectionsPerClient()) : null;
        Services services = Services.of(config, router, metrics, accessLog, tracing, rateLimiter, perClient);
        Bootstrap backends = new Bootstrap()
                .channel(transport.channel())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.timeouts().connect().toMillis());
        int count = config.io().eventLoops();
        for (EventExecutor executor : loops) {
            EventLoop eventLoop = (EventLoop) executor;
            byEventLoop.put(eventLoop, new Loop(eventLoop, services, BackendConnector.of(backends.clone().group(eventLoop)), count,
                    config.timeouts().poolIdle().toNanos()));
        }
        metrics.eventLoops(byEventLoop.values().stream().map(l -> new LbMetrics.LoopGauges(
                l.eventLoop, l.clientCount::get)).toList());
    }

    public ProxyServer start() throws InterruptedException {
        HttpDecoderConfig decoding = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
                .setMaxHeaderSize(config.limits().maxHeaderBytes())
                .setMaxChunkSize(64 * 1024);
        if (rateLimiter != null) {
            // Forgets quiet clients (a full bucket is the same as none); a few microseconds per tracked address.
            loops.next().scheduleWithFixedDelay(rateLimiter::sweep, 5, 5, TimeUnit.SECONDS);
        }
        listeners.add(bind(config.port(), decoding, null));
        if (certificate != null) {
            listeners.add(bind(config.tls().port(), decoding, certificate));
        }
        limit.listeners(listeners);
        LOG.info("proxy on port {}{}: {} event loop(s), {} transport", config.port(),
                certificate == null ? "" : " and TLS port " + config.tls().port() + " (HTTP/2 and HTTP/1.1, "
                        + certificate.provider() + ")", config.io().eventLoops(), transport.name());
        return this;
    }

    private Channel bind(int port, HttpDecoderConfig decoding, ServerCertificate tls) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, config.limits().acceptBacklog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(limit)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ClientChannels(byEventLoop, limit, decoding, config.limits().maxHeaderBytes(),
                        config.timeouts().shutdown().toMillis(), tls, config.edge().proxyProtocol()));
        return bootstrap.bind(port).sync().channel();
    }

    /**
     * Stops accepting, lets the exchanges in progress finish (each connection closes after its
     * response) for up to {@code timeout}, then stops the loops.
     */
    public void drain(Duration timeout) {
        listeners.forEach(Channel::close);
        List<CompletableFuture<Void>> drained = new ArrayList<>();
        for (Loop loop : byEventLoop.values()) {
            loop.eventLoop.execute(loop::drain);
            drained.add(loop.drained);
        }
        try {
            CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new)).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // the connections left are counted below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a loop's drain never fails", e);
        }
        int left = open();
        if (left > 0) {
            LOG.warn("{} client connection(s) still open after {}; closing them", left, timeout);
        }
    }

    /** What the per-client limits hold and refused, and the failures answered by cause, for {@code /status}. */
    public Map<String, Object> clientLimits() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("failuresByCause", metrics.failures());
        if (perClient != null) {
            result.put("addressesWithConnections", perClient.addresses());
            result.put("connectionsRefused", perClient.refused());
        }
        if (rateLimiter != null) {
            result.put("rateTrackedAddresses", rateLimiter.tracked());
            result.put("rateLimited", rateLimiter.limited());
            result.put("rateUntracked", rateLimiter.untracked());
        }
        return result;
    }

    private int open() {
        return byEventLoop.values().stream().mapToInt(l -> l.clientCount.get()).sum();
    }

    @Override
    public void close() {
        // Bounded: a loop that cannot finish must not keep the process from exiting.
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
