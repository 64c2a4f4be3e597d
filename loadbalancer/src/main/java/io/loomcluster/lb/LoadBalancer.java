package io.loomcluster.lb;

import io.loomcluster.lb.access.AccessLog;
import io.loomcluster.lb.admin.AdminHandler;
import io.loomcluster.lb.admin.AdminServer;
import io.loomcluster.lb.admin.StatusPages;
import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.dashboard.Dashboard;
import io.loomcluster.lb.discovery.BackendDiscovery;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.proxy.ProxyServer;
import io.loomcluster.lb.routing.Router;
import io.loomcluster.lb.routing.ServicePool;
import io.loomcluster.lb.tls.ServerCertificate;
import io.loomcluster.lb.tracing.Tracing;
import io.loomcluster.lb.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The balancer wired together: discovery feeds the pool, health checks and request outcomes move
 * backends between states, the proxy's event loops select from the pool's snapshot. The public port
 * and the admin port run on separate event loops so admin traffic never competes.
 */
public final class LoadBalancer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancer.class);

    private final LbConfig config;
    private final Router router;
    private final Transport transport = Transport.best();
    // Health checks and the dashboard's scrapes of backends' /metrics: a few requests a second, off the loops.
    private final ExecutorService checkThreads = Executors.newFixedThreadPool(2,
            Thread.ofPlatform().name("health-", 0).daemon().factory());
    private final HttpClient checkClient;
    private final Dashboard dashboard;
    private final AccessLog accessLog;
    private final Tracing tracing;
    private final LbMetrics metrics;
    private final ServerCertificate certificate;
    private final ProxyServer proxy;
    private final AdminServer admin;

    public LoadBalancer(LbConfig config, Function<LbConfig.Pool, BackendDiscovery> discovery) {
        this.config = config;
        this.checkClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.health().timeout()).followRedirects(HttpClient.Redirect.NEVER)
                .executor(checkThreads).build();
        List<ServicePool> pools = new ArrayList<>();
        for (LbConfig.Pool settings : config.pools()) {
            BackendPool backends = new BackendPool();
            pools.add(ServicePool.of(settings, discovery.apply(settings),
                    new HealthChecker(backends, settings.health(), checkClient), backends));
        }
        this.router = new Router(config.routes(), pools);
        this.dashboard = new Dashboard(router, strategyNames(), checkClient, config.redis());
        this.accessLog = AccessLog.start(config.io().accessLog());
        this.tracing = Tracing.start(config.tracing().enabled(), config.tracing().trusted());
        this.metrics = new LbMetrics(router::snapshot, dashboard::openStreams, accessLog::dropped);
        this.certificate = config.tls().enabled() ? ServerCertificate.load(config.tls()) : null;
        this.proxy = new ProxyServer(config, transport, router, metrics, accessLog, tracing, certificate);
        this.admin = new AdminServer(transport);
    }

    private AdminHandler adminRoutes() {
        StatusPages pages = new StatusPages(router::snapshot, strategyNames(), metrics, certificate, proxy::clientLimits,
                router);
        return new AdminHandler()
                .route("/", dashboard.page())
                .route("/dashboard.css", dashboard.styles())
                .route("/dashboard.js", dashboard.script())
                .stream("/events", dashboard.events())
                .route("/status", pages::status)
                .route("/metrics", pages::metrics)
                .route("/health/live", () -> new AdminHandler.Page(200, "application/json", "{\"live\":true}"))
                .route("/health/ready", pages::ready);
    }

    /** Every pool's backends with the pool's name; no name when there is one pool. */
    private Map<Backend, String> backendsByPool() {
        Map<Backend, String> poolOf = new java.util.IdentityHashMap<>();
        boolean several = router.pools().size() > 1;
        for (ServicePool pool : router.pools()) {
            pool.backends().snapshot().all().forEach(b -> poolOf.put(b, several ? pool.name() : null));
        }
        return poolOf;
    }

    public LoadBalancer start() throws Exception {
        if (!transport.isEpoll()) {
            LOG.warn("native epoll unavailable ({}); using NIO", Transport.epollUnavailableReason());
        }
        proxy.start();
        admin.start(config.adminHost(), config.adminPort(), adminRoutes());
        dashboard.start(admin.scheduler(), metrics::failures);
        for (ServicePool pool : router.pools()) {
            pool.discovery().start(uris -> {
                List<Backend> added = pool.backends().update(uris);
                metrics.backends(backendsByPool());
                pool.health().checkNow(added);
            });
            pool.health().start();
        }
        if (router.pools().size() > 1) {
            router.pools().forEach(pool -> LOG.info("pool {}: {}, {}", pool.name(), pool.settings().discovery(),
                    pool.settings().strategy()));
        }
        LOG.info("balancing on port {} ({}; admin on {}:{}; access log {}; tracing {})", config.port(),
                strategyNames(), config.adminHost(), config.adminPort(), config.io().accessLog() ? "on" : "off",
                tracing.enabled() ? "on" : "off");
        return this;
    }

    public Router router() {
        return router;
    }

    /** The strategy, or each pool's ("api: p2c, streams: least-requests") when there are several. */
    private String strategyNames() {
        if (config.pools().size() == 1) {
            return config.pools().get(0).strategy();
        }
        return String.join(", ", config.pools().stream().map(p -> p.name() + ": " + p.strategy()).toList());
    }

    /** Stops taking connections, lets in-flight requests finish (up to the shutdown timeout), then stops. */
    @Override
    public void close() {
        LOG.info("shutting down: no new connections, waiting up to {} for in-flight requests",
                config.timeouts().shutdown());
        for (ServicePool pool : router.pools()) {
            pool.discovery().close();
            pool.health().close();
        }
        dashboard.close();
        proxy.drain(config.timeouts().shutdown());
        proxy.close();
        admin.close();
        if (certificate != null) {
            certificate.close();
        }
        checkClient.shutdownNow();
        checkThreads.shutdownNow();
        accessLog.close();
        tracing.close();
        metrics.close();
        LOG.info("stopped");
    }
}
