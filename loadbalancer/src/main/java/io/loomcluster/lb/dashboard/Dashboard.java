package io.loomcluster.lb.dashboard;

import io.loomcluster.lb.admin.AdminHandler;
import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.backend.BackendState;
import io.loomcluster.lb.routing.Router;
import io.loomcluster.lb.routing.ServicePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The live dashboard on the admin port: a static page ({@code /}, its CSS and JS, served from the
 * jar) that follows {@code /events}. Once a second a ticker on the admin port's event loop samples
 * the pool into {@link TrafficHistory} and broadcasts the snapshot; every few seconds it also asks
 * healthy backends for their live connection counts. The job queues are read from Redis by
 * {@link JobsHistory} on a thread of its own. Nothing here runs on the proxy's threads.
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    private static final long TICK_MILLIS = 1000;
    private static final int CONNECTION_POLL_TICKS = 3;
    private static final long CONNECTION_POLL_TIMEOUT_MILLIS = 1000;
    static final int MAX_STREAMS = 16;

    private final Supplier<BackendPool.Snapshot> pool;
    private final Router router;
    private final TrafficHistory history;
    private final JobsHistory jobs;
    private final LiveConnections connections;
    private final DashboardStreams streams = new DashboardStreams(MAX_STREAMS);
    private final SnapshotJson json;
    private ScheduledExecutorService scheduler;
    private volatile ScheduledFuture<?> next;
    private volatile boolean closed;
    private volatile Supplier<Map<String, Long>> failures = Map::of;
    private long ticks;

    /** {@code redis}, when there is one, is where the job queues are read from (null: the panel says why it is empty). */
    public Dashboard(Router router, String strategy, HttpClient metricsClient, io.loomcluster.contract.RedisTarget redis) {
        this.router = router;
        this.pool = router::snapshot;
        this.history = new TrafficHistory(pool);
        this.jobs = redis == null
                ? JobsHistory.without("no Redis configured: the balancer reads the job queues from the Redis in REDIS_URL")
                : JobsHistory.sampling(io.loomcluster.lb.discovery.RedisConnections.open(redis));
        this.connections = new LiveConnections(metricsClient, CONNECTION_POLL_TIMEOUT_MILLIS);
        this.json = new SnapshotJson(strategy, TICK_MILLIS);
    }

    /** Starts ticking on the given (started) scheduler; {@code failures}: the balancer's own answers by cause. */
    public void start(ScheduledExecutorService scheduler, Supplier<Map<String, Long>> failures) {
        this.scheduler = scheduler;
        this.failures = failures;
        next = scheduler.schedule(this::tick, 0, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            if (ticks++ % CONNECTION_POLL_TICKS == 0) {
                connections.poll(pool.get().all().stream()
                        .filter(b -> b.state() == BackendState.HEALTHY).toList());
            }
            TrafficHistory.Sample sample = history.sample(System.nanoTime(), System.currentTimeMillis());
            streams.broadcast(json.render(sample, pool.get().available().size(), connections::of, pools(),
                    jobs.view(), failures.get()));
        } catch (RuntimeException e) {
            LOG.warn("dashboard sample failed", e);
        } finally {
            if (!closed) {
                next = scheduler.schedule(this::tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Each pool with its rules and the backends it holds right now, in {@code LB_ROUTES} order. */
    private List<SnapshotJson.Pool> pools() {
        List<SnapshotJson.Pool> pools = new ArrayList<>();
        for (ServicePool p : router.pools()) {
            BackendPool.Snapshot snapshot = p.backends().snapshot();
            pools.add(new SnapshotJson.Pool(p.name(), router.rules(p.name()), p.settings().strategy(),
                    p.settings().health().path(), snapshot.available().size(), snapshot.all()));
        }
        return pools;
    }

    /** {@code GET /events}. */
    public AdminHandler.Stream events() {
        return streams;
    }

    /** Event streams open right now (for {@code /metrics}). */
    public int openStreams() {
        return streams.open();
    }

    /** {@code GET /}. */
    public Supplier<AdminHandler.Page> page() {
        return asset("dashboard.html", "text/html; charset=utf-8");
    }

    public Supplier<AdminHandler.Page> script() {
        return asset("dashboard.js", "text/javascript; charset=utf-8");
    }

    public Supplier<AdminHandler.Page> styles() {
        return asset("dashboard.css", "text/css; charset=utf-8");
    }

    private static Supplier<AdminHandler.Page> asset(String name, String contentType) {
        try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard asset " + name + " is missing from the jar");
            }
            AdminHandler.Page page = new AdminHandler.Page(200, contentType,
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return () -> page;
        } catch (IOException e) {
            throw new UncheckedIOException("reading dashboard asset " + name, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        jobs.close();
        ScheduledFuture<?> task = next;
        if (task != null) {
            task.cancel(false);
        }
    }

    /** For {@link SnapshotJson}: a backend's live connection counts, or null. */
    interface ConnectionsOf {
        LiveConnections.Counts of(Backend backend);
    }
}
