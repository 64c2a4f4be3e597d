package io.loomcluster.lb.proxy;

import io.loomcluster.contract.TrustedProxies;
import io.loomcluster.lb.access.AccessLog;
import io.loomcluster.lb.limits.ClientConnectionCounter;
import io.loomcluster.lb.limits.RateLimiter;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.routing.Router;
import io.loomcluster.lb.tracing.Tracing;

/**
 * {@code httpsRedirectPort}: the TLS port plain HTTP is redirected to, 0 for none;
 * {@code rateLimiter} and {@code perClient}: null when that limit is off; {@code limitsExempt}: the
 * client addresses neither applies to ({@code LB_CLIENT_LIMITS_EXEMPT}).
 * What every exchange on every loop shares: read-only or thread-safe. Durations are kept in
 * nanoseconds, the unit of the loops' clocks.
 */
record Services(Router router, LbMetrics metrics,
                AccessLog accessLog, Tracing tracing, LbConfig.Limits limits,
                long idleNanos, long headerNanos, long webSocketIdleNanos, int httpsRedirectPort,
                TrustedProxies trustedProxies, RateLimiter rateLimiter, ClientConnectionCounter perClient,
                TrustedProxies limitsExempt) {

    static Services of(LbConfig config, Router router, LbMetrics metrics, AccessLog accessLog, Tracing tracing, RateLimiter rateLimiter,
                       ClientConnectionCounter perClient) {
        LbConfig.Timeouts t = config.timeouts();
        return new Services(router, metrics, accessLog, tracing, config.limits(), t.idle().toNanos(), t.header().toNanos(),
                t.webSocketIdle().toNanos(), config.tls().redirect() ? config.tls().port() : 0,
                config.edge().trustedProxies(), rateLimiter, perClient, config.edge().limitsExempt());
    }
}
