package io.loomcluster.lb.proxy;

import io.loomcluster.lb.access.AccessLog;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.selection.SelectionStrategy;
import io.loomcluster.lb.tracing.Tracing;

/**
 * What every exchange on every loop shares: read-only or thread-safe. Durations are kept in
 * nanoseconds, the unit of the loops' clocks.
 */
record Services(BackendPool pool, SelectionStrategy strategy, HealthChecker health, LbMetrics metrics,
                AccessLog accessLog, Tracing tracing, LbConfig.Limits limits, int retries, String retryAfterSeconds,
                long idleNanos, long requestNanos, long headerNanos, long webSocketIdleNanos) {

    static Services of(LbConfig config, BackendPool pool, SelectionStrategy strategy, HealthChecker health,
                       LbMetrics metrics, AccessLog accessLog, Tracing tracing) {
        long seconds = (config.health().interval().toMillis() * config.health().rise() + 999) / 1000;
        LbConfig.Timeouts t = config.timeouts();
        return new Services(pool, strategy, health, metrics, accessLog, tracing, config.limits(), config.io().retries(),
                Long.toString(Math.max(1, seconds)), t.idle().toNanos(), t.request().toNanos(), t.header().toNanos(),
                t.webSocketIdle().toNanos());
    }
}
