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
import io.loomcluster.lb.selection.SelectionStrategy;
import io.loomcluster.lb.tls.ServerCertificate;
import io.loomcluster.lb.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.util.List;
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
    private final BackendDiscovery discovery;
    private final BackendPool pool = new BackendPool();
    private final Transport transport = Transport.best();
    // Health checks and the dashboard's scrapes of backends' /metrics: a few requests a second, off the loops.
    private final ExecutorService checkThreads = Executors.newFixedThreadPool(2,
            Thread.ofPlatform().name("health-", 0).daemon().factory());
    private final HttpClient checkClient;
    private final HealthChecker health;
    private final Dashboard dashboard;
    private final AccessLog accessLog;
    private final LbMetrics metrics;
    private final ServerCertificate certificate;
    private final ProxyServer proxy;
    private final AdminServer admin;

    public LoadBalancer(LbConfig config, BackendDiscovery discovery) {
        this.config = config;
        this.discovery = discovery;
        this.checkClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.health().timeout()).followRedirects(HttpClient.Redirect.NEVER)
                .executor(checkThreads).build();
        this.health = new HealthChecker(pool, config.health(), checkClient);
        this.dashboard = new Dashboard(pool, config.strategy(), checkClient);
        this.accessLog = AccessLog.start(config.io().accessLog());
        this.metrics = new LbMetrics(pool, dashboard::openStreams, accessLog::dropped);
        SelectionStrategy strategy = SelectionStrategy.named(config.strategy());
        this.certificate = config.tls().enabled() ? ServerCertificate.load(config.tls()) : null;
        this.proxy = new ProxyServer(config, transport, pool, strategy, health, metrics, accessLog, certificate);
        this.admin = new AdminServer(transport);
    }

    private AdminHandler adminRoutes() {
        StatusPages pages = new StatusPages(pool, config.strategy(), metrics, certificate, proxy::clientLimits);
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

    public LoadBalancer start() throws Exception {
        if (!transport.isEpoll()) {
            LOG.warn("native epoll unavailable ({}); using NIO", Transport.epollUnavailableReason());
        }
        proxy.start();
        admin.start(config.adminHost(), config.adminPort(), adminRoutes());
        dashboard.start(admin.scheduler());
        discovery.start(uris -> {
            List<Backend> added = pool.update(uris);
            metrics.backends(pool.snapshot().all());
            health.checkNow(added);
        });
        health.start();
        LOG.info("balancing on port {} ({}; admin on {}:{}; access log {})", config.port(), config.strategy(),
                config.adminHost(), config.adminPort(), config.io().accessLog() ? "on" : "off");
        return this;
    }

    public BackendPool pool() {
        return pool;
    }

    /** Stops taking connections, lets in-flight requests finish (up to the shutdown timeout), then stops. */
    @Override
    public void close() {
        LOG.info("shutting down: no new connections, waiting up to {} for in-flight requests",
                config.timeouts().shutdown());
        discovery.close();
        health.close();
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
        metrics.close();
        LOG.info("stopped");
    }
}
