package io.loomcluster.app;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.http.RequestIds;
import io.loomcluster.app.metrics.Metrics;
import io.loomcluster.contract.Names;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-request bookkeeping: request and instance ids, security headers, the in-flight bound for
 * the API, the count of open requests for a graceful drain, and the access log and metrics.
 */
final class RequestTracker {
    private static final Logger access = LoggerFactory.getLogger("access");

    private final String instanceId;
    private final InFlightLimiter limiter;
    private final Metrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();

    RequestTracker(String instanceId, InFlightLimiter limiter, Metrics metrics) {
        this.instanceId = instanceId;
        this.limiter = limiter;
        this.metrics = metrics;
    }

    void install(RoutesConfig routes) {
        routes.before(this::begin);
        routes.after(this::end);
    }

    private void begin(Context ctx) {
        open.incrementAndGet();
        RequestIds.assign(ctx);
        ctx.header(Names.INSTANCE_ID_HEADER, instanceId);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
        if (ctx.path().startsWith("/api/") || ctx.path().equals("/graphql")) {
            limiter.acquire(ctx);
        }
    }

    private void end(Context ctx) {
        limiter.release(ctx);
        if (open.decrementAndGet() == 0) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    void completed(Context ctx, Float millis) {
        String route = route(ctx);
        access.info("{} {} {} {} {}ms", RequestIds.of(ctx), ctx.method().name(), ctx.path(), ctx.statusCode(),
                String.format("%.1f", millis));
        metrics.recordRequest(ctx, route, Duration.ofNanos((long) (millis * 1_000_000)));
    }

    private static String route(Context ctx) {
        var endpoint = ctx.endpoints().lastHttpEndpoint();
        return endpoint == null || endpoint.path.isEmpty() ? "unmatched" : endpoint.path;
    }

    /** Waits until no request is open, up to the timeout; true when idle. */
    boolean awaitIdle(Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (open.get() > 0 && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
            return open.get() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
