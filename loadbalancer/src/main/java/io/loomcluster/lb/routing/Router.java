package io.loomcluster.lb.routing;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.Routes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code LB_ROUTES} at run time: the pool of each request, and every pool for status and metrics. */
public final class Router {
    private final Routes routes;
    private final Map<String, ServicePool> pools = new LinkedHashMap<>();

    public Router(Routes routes, List<ServicePool> pools) {
        this.routes = routes;
        pools.forEach(pool -> this.pools.put(pool.name(), pool));
    }

    /**
     * The pool for this Host header and request path (normalised as the app's server reads it) and
     * query, or null when no route matches.
     */
    public ServicePool route(String host, String path, String query) {
        String name = routes.route(host, path, query);
        return name == null ? null : pools.get(name);
    }

    /** The rules that send requests to a pool, in the order they are tried, as written. */
    public List<String> rules(String pool) {
        return routes.rules().stream().filter(rule -> rule.pool().equals(pool)).map(Routes.Rule::text).toList();
    }

    public List<ServicePool> pools() {
        return List.copyOf(pools.values());
    }

    /** Every pool's backends in one snapshot (a backend in two pools is listed in each). */
    public BackendPool.Snapshot snapshot() {
        if (pools.size() == 1) {
            return pools.values().iterator().next().backends().snapshot();
        }
        List<Backend> all = new ArrayList<>();
        List<Backend> available = new ArrayList<>();
        for (ServicePool pool : pools.values()) {
            BackendPool.Snapshot snapshot = pool.backends().snapshot();
            all.addAll(snapshot.all());
            available.addAll(snapshot.available());
        }
        return new BackendPool.Snapshot(List.copyOf(all), List.copyOf(available));
    }
}
