package io.loomcluster.lb;

import io.loomcluster.lb.admin.AdminHandler;
import io.loomcluster.lb.admin.StatusPages;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.dashboard.Dashboard;
import io.loomcluster.lb.discovery.BackendDiscovery;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.http.ProblemErrorHandler;
import io.loomcluster.lb.proxy.BalancingProxy;
import io.loomcluster.lb.selection.SelectionStrategy;
import io.loomcluster.lb.websocket.WebSocketBridge;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The balancer wired together: discovery feeds the pool, health checks and request outcomes move
 * backends between states, the proxy and the WebSocket bridge select from the pool's snapshot.
 * The public port and the admin port are separate servers so admin traffic never competes.
 */
public final class LoadBalancer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadBalancer.class);

    private final LbConfig config;
    private final BackendDiscovery discovery;
    private final BackendPool pool = new BackendPool();
    private final QueuedThreadPool threads;
    private final Server server;
    private final Server admin;
    private final HttpClient healthClient = new HttpClient();
    private final WebSocketClient webSocketClient;
    private final HealthChecker health;
    // The dashboard's scrapes of backends' /metrics run on the admin threads, not the proxy's.
    private final HttpClient metricsClient = new HttpClient();
    private final Dashboard dashboard;

    public LoadBalancer(LbConfig config, BackendDiscovery discovery) {
        this.config = config;
        this.discovery = discovery;
        // Platform threads on the I/O path: virtual threads there cost throughput and p99 (measured).
        this.threads = new QueuedThreadPool(config.limits().threads(), 8);
        threads.setName("lb");
        this.server = new Server(threads);
        this.health = new HealthChecker(pool, config.health(), healthClient);
        this.webSocketClient = new WebSocketClient(new HttpClient());
        this.dashboard = new Dashboard(pool, config.strategy(), metricsClient);
        this.admin = adminServer();
        configureServer();
    }

    private void configureServer() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(config.limits().maxHeaderBytes());
        // No leniency at the edge: ambiguous framing is how requests get smuggled past a proxy.
        http.setHttpCompliance(HttpCompliance.STRICT);
        // The per-connection header-field cache is a ~100 KB trie on every connection that carries a
        // second request: thousands of kept-alive clients (long-polls) would spend most of the heap on it.
        http.setHeaderCacheSize(0);
        ServerConnector connector = new ServerConnector(server, 1, -1, new HttpConnectionFactory(http));
        connector.setPort(config.port());
        connector.setIdleTimeout(config.timeouts().idle().toMillis());
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(config.limits().maxClientConnections(), connector));
        server.setErrorHandler(new ProblemErrorHandler());
        server.setStopTimeout(config.timeouts().shutdown().toMillis());

        SelectionStrategy strategy = SelectionStrategy.named(config.strategy());
        BalancingProxy proxy = new BalancingProxy(pool, strategy, health, config);
        WebSocketBridge bridge = new WebSocketBridge(pool, strategy, webSocketClient, config.timeouts().connect());
        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(config.timeouts().webSocketIdle());
            container.setMaxTextMessageSize(config.limits().maxWebSocketMessageBytes());
            container.setMaxBinaryMessageSize(config.limits().maxWebSocketMessageBytes());
            container.addMapping("/*", bridge);
        });
        webSockets.setHandler(proxy);
        SizeLimitHandler sizeLimit = new SizeLimitHandler(config.limits().maxBodyBytes(), -1);
        sizeLimit.setHandler(webSockets);
        server.setHandler(new GracefulHandler(sizeLimit));
    }

    private Server adminServer() {
        QueuedThreadPool adminThreads = new QueuedThreadPool(8, 2);
        adminThreads.setName("lb-admin");
        Server adminServer = new Server(adminThreads);
        ServerConnector connector = new ServerConnector(adminServer, 1, 1);
        connector.setHost(config.adminHost());
        connector.setPort(config.adminPort());
        adminServer.addConnector(connector);
        adminServer.setErrorHandler(new ProblemErrorHandler());
        metricsClient.setExecutor(adminThreads);
        metricsClient.setConnectTimeout(config.health().timeout().toMillis());
        metricsClient.setFollowRedirects(false);
        adminServer.addBean(metricsClient);
        StatusPages pages = new StatusPages(pool, config.strategy(), dashboard::openStreams);
        adminServer.setHandler(new AdminHandler()
                .route("/", dashboard.page())
                .route("/dashboard.css", dashboard.styles())
                .route("/dashboard.js", dashboard.script())
                .stream("/events", dashboard.events())
                .route("/status", pages::status)
                .route("/metrics", pages::metrics)
                .route("/health/live", () -> new AdminHandler.Page(200, "application/json", "{\"live\":true}"))
                .route("/health/ready", pages::ready));
        return adminServer;
    }

    public LoadBalancer start() throws Exception {
        healthClient.setExecutor(threads);
        healthClient.setConnectTimeout(config.health().timeout().toMillis());
        healthClient.setFollowRedirects(false);
        webSocketClient.setIdleTimeout(config.timeouts().webSocketIdle());
        webSocketClient.setMaxTextMessageSize(config.limits().maxWebSocketMessageBytes());
        webSocketClient.setMaxBinaryMessageSize(config.limits().maxWebSocketMessageBytes());
        server.addBean(healthClient);
        server.addBean(webSocketClient);
        server.start();
        admin.start();
        dashboard.start(admin.getScheduler());
        discovery.start(uris -> health.checkNow(pool.update(uris)));
        health.start();
        LOG.info("balancing on port {} ({}; admin on {}:{})", config.port(), config.strategy(),
                config.adminHost(), config.adminPort());
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
        try {
            server.stop();
            admin.stop();
        } catch (Exception e) {
            LOG.error("shutdown did not complete cleanly", e);
        }
        LOG.info("stopped");
    }
}
