package io.loomcluster.lb.health;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.backend.BackendState;
import io.loomcluster.lb.config.LbConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks: {@code GET <path>} on every known backend each interval, asynchronously, at
 * most one check per backend at a time. 200 passes, 503 means draining, anything else fails.
 * Passive signals from the request path arrive through {@link #onConnectionFailure} and
 * {@link #onAnswered}. Checks use the JDK's HTTP client: they are few and off the data path.
 */
public final class HealthChecker implements AutoCloseable {
    private final BackendPool pool;
    private final LbConfig.Health config;
    private final HttpClient client;
    private final ScheduledExecutorService scheduler;
    private final Map<Backend, Boolean> checking = new ConcurrentHashMap<>();

    public HealthChecker(BackendPool pool, LbConfig.Health config, HttpClient client) {
        this.pool = pool;
        this.config = config;
        this.client = client;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "health-checks");
            thread.setDaemon(true);
            return thread;
        });
    }

    public void start() {
        long interval = config.interval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> checkAll(pool.snapshot().all()), interval, interval,
                TimeUnit.MILLISECONDS);
    }

    /** Checks the given backends now (newly discovered ones should not wait an interval). */
    public void checkNow(Collection<Backend> backends) {
        if (!backends.isEmpty()) {
            scheduler.execute(() -> checkAll(backends));
        }
    }

    private void checkAll(Collection<Backend> backends) {
        for (Backend backend : backends) {
            if (backend.state() != BackendState.REMOVED && checking.putIfAbsent(backend, Boolean.TRUE) == null) {
                check(backend);
            }
        }
    }

    private void check(Backend backend) {
        try {
            // The event loops connect to the resolved address; follow a name whose address changed.
            backend.resolve();
            HttpRequest request = HttpRequest.newBuilder(backend.uri().resolve(config.path()))
                    .timeout(config.timeout()).GET().build();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, failure) -> completed(backend, response, failure));
        } catch (RuntimeException e) {
            checking.remove(backend);
            pool.onFailure(backend, config.fall(), "health check could not be sent: " + e);
        }
    }

    private void completed(Backend backend, HttpResponse<Void> response, Throwable failure) {
        checking.remove(backend);
        if (failure != null) {
            pool.onFailure(backend, config.fall(), "health check failed: " + describe(failure));
            return;
        }
        int status = response.statusCode();
        if (status == 200) {
            pool.onPass(backend, config.rise());
        } else if (status == 503) {
            pool.onNotReady(backend);
        } else {
            pool.onFailure(backend, config.fall(), "health check answered " + status);
        }
    }

    /** The request path could not reach the backend (connect failed, or it died before answering). */
    public void onConnectionFailure(Backend backend, Throwable failure) {
        pool.onFailure(backend, config.fall(), "request failed: " + describe(failure));
    }

    public void onAnswered(Backend backend) {
        pool.onAnswered(backend);
    }

    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
