package io.loomcluster.app.health;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.Problems;
import io.loomcluster.app.metrics.Metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /health/live}, {@code /health/ready} and {@code /metrics}. */
public final class HealthRoutes {
    private final Readiness readiness;
    private final Metrics metrics;
    private final Problems problems;

    public HealthRoutes(Readiness readiness, Metrics metrics, Problems problems) {
        this.readiness = readiness;
        this.metrics = metrics;
        this.problems = problems;
    }

    public void register(RoutesConfig routes) {
        routes.get("/health/live", ctx -> ctx.json(Map.of("status", "up")));
        routes.get("/health/ready", this::ready);
        routes.get("/metrics", this::metrics);
    }

    /** Everything, or only the metrics named by {@code name[]} (as the Prometheus Java exporters select them). */
    private void metrics(Context ctx) {
        byte[] text = metrics.scrape(Set.copyOf(ctx.queryParams("name[]")));
        if (text == null) {
            ctx.header("Retry-After", "1");
            problems.write(ctx, 503, "Metrics busy", "other scrapes are waiting, or this one took over 10 s; retry at the next interval");
            return;
        }
        ctx.contentType(Metrics.CONTENT_TYPE).result(text);
    }

    private void ready(Context ctx) {
        Readiness.State state = readiness.state();
        if (state.ready()) {
            ctx.json(Map.of("status", "ready", "postgres", "up", "redis", "up"));
            return;
        }
        List<String> reasons = new ArrayList<>();
        if (state.draining()) {
            reasons.add("draining for shutdown");
        }
        if (!state.postgres()) {
            reasons.add("postgres unreachable");
        }
        if (!state.redis()) {
            reasons.add("redis unreachable");
        }
        ctx.header("Retry-After", "1");
        problems.write(ctx, 503, "Not ready", String.join(", ", reasons));
    }
}
