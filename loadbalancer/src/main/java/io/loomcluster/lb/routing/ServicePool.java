package io.loomcluster.lb.routing;

import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.discovery.BackendDiscovery;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.selection.SelectionStrategy;

/**
 * One named pool at run time: its backends (fed by its own discovery), its health checker, its
 * selection strategy, and the request timeout and retries of its settings. Shared by all loops.
 */
public record ServicePool(String name, BackendPool backends, BackendDiscovery discovery, HealthChecker health,
                          SelectionStrategy strategy, LbConfig.Pool settings, long requestNanos,
                          String retryAfterSeconds) {

    public static ServicePool of(LbConfig.Pool settings, BackendDiscovery discovery, HealthChecker health,
                                 BackendPool backends) {
        long seconds = (settings.health().interval().toMillis() * settings.health().rise() + 999) / 1000;
        return new ServicePool(settings.name(), backends, discovery, health, SelectionStrategy.named(settings.strategy()),
                settings, settings.requestTimeout().toNanos(), Long.toString(Math.max(1, seconds)));
    }

    public int retries() {
        return settings.retries();
    }
}
