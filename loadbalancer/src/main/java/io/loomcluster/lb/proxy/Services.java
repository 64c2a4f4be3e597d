package io.loomcluster.lb.proxy;

import io.loomcluster.contract.TrustedProxies;
import io.loomcluster.lb.access.AccessLog;
import io.loomcluster.lb.limits.ClientConnectionCounter;
import io.loomcluster.lb.limits.RateLimiter;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.selection.SelectionStrategy;

/**
 * {@code httpsRedirectPort}: the TLS port plain HTTP is redirected to, 0 for none;
 * {@code rateLimiter} and {@code perClient}: null when that limit is off.
 * What every exchange on every loop shares: read-only or thread-safe. Durations are kept in
 * nanoseconds, the unit of the loops' clocks.
 */
record Services(BackendPool pool, SelectionStrategy strategy, HealthChecker health, LbMetrics metrics,
                AccessLog accessLog, LbConfig.Limits limits, int retries, String retryAfterSeconds,
                long idleNanos, long requestNanos, long headerNanos, long webSocketIdleNanos, int httpsRedirectPort,
                TrustedProxies trustedProxies, RateLimiter rateLimiter, ClientConnectionCounter perClient) {

    static Services of(LbConfig config, BackendPool pool, SelectionStrategy strategy, HealthChecker health,
                       LbMetrics metrics, AccessLog accessLog, RateLimiter rateLimiter,
                       ClientConnectionCounter perClient) {
        long seconds = (config.health().interval().toMillis() * config.health().rise() + 999) / 1000;
        LbConfig.Timeouts t = config.timeouts();
        return new Services(pool, strategy, health, metrics, accessLog, config.limits(), config.io().retries(),
                Long.toString(Math.max(1, seconds)), t.idle().toNanos(), t.request().toNanos(), t.header().toNanos(),
                t.webSocketIdle().toNanos(), config.tls().redirect() ? config.tls().port() : 0,
                config.edge().trustedProxies(), rateLimiter, perClient);
    }
}
