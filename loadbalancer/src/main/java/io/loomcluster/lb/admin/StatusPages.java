package io.loomcluster.lb.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/** {@code /status} as JSON, {@code /metrics} as Prometheus text, and the balancer's own readiness. */
public final class StatusPages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BackendPool pool;
    private final String strategy;
    private final IntSupplier dashboardStreams;

    public StatusPages(BackendPool pool, String strategy, IntSupplier dashboardStreams) {
        this.pool = pool;
        this.strategy = strategy;
        this.dashboardStreams = dashboardStreams;
    }

    public AdminHandler.Page status() {
        List<Map<String, Object>> backends = new ArrayList<>();
        for (Backend b : pool.snapshot().all()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("address", b.address());
            entry.put("url", b.uri().toString());
            entry.put("state", b.state().name().toLowerCase());
            entry.put("inFlight", b.inFlight());
            entry.put("requests", b.requests());
            entry.put("failures", b.failures());
            entry.put("latencyP50Millis", b.latencyMicros(50) / 1000.0);
            entry.put("latencyP99Millis", b.latencyMicros(99) / 1000.0);
            backends.add(entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("strategy", strategy);
        body.put("available", pool.snapshot().available().size());
        body.put("backends", backends);
        try {
            return new AdminHandler.Page(200, "application/json", JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status is always serialisable", e);
        }
    }

    public AdminHandler.Page metrics() {
        List<Backend> all = pool.snapshot().all();
        StringBuilder out = new StringBuilder(1024);
        header(out, "lb_backend_requests_total", "counter", "Requests sent to the backend (each attempt).");
        all.forEach(b -> sample(out, "lb_backend_requests_total", b, "", b.requests()));
        header(out, "lb_backend_failures_total", "counter", "Attempts that failed (connect, reset, timeout).");
        all.forEach(b -> sample(out, "lb_backend_failures_total", b, "", b.failures()));
        header(out, "lb_backend_in_flight", "gauge", "Requests in flight to the backend.");
        all.forEach(b -> sample(out, "lb_backend_in_flight", b, "", b.inFlight()));
        header(out, "lb_backend_up", "gauge", "1 when the backend takes new requests.");
        all.forEach(b -> sample(out, "lb_backend_up", b, ",state=\"" + b.state().name().toLowerCase() + "\"",
                pool.snapshot().available().contains(b) ? 1 : 0));
        header(out, "lb_backend_latency_seconds", "summary", "Backend response time as seen by the balancer.");
        for (Backend b : all) {
            sample(out, "lb_backend_latency_seconds", b, ",quantile=\"0.5\"", b.latencyMicros(50) / 1e6);
            sample(out, "lb_backend_latency_seconds", b, ",quantile=\"0.99\"", b.latencyMicros(99) / 1e6);
        }
        header(out, "lb_requests_total", "counter", "Attempts to all backends.");
        out.append("lb_requests_total ").append(all.stream().mapToLong(Backend::requests).sum()).append('\n');
        header(out, "lb_backends_available", "gauge", "Backends taking new requests.");
        out.append("lb_backends_available ").append(pool.snapshot().available().size()).append('\n');
        header(out, "lb_dashboard_streams", "gauge", "Open dashboard event streams on the admin port.");
        out.append("lb_dashboard_streams ").append(dashboardStreams.getAsInt()).append('\n');
        return new AdminHandler.Page(200, "text/plain; version=0.0.4; charset=utf-8", out.toString());
    }

    /** 200 while at least one backend takes requests, so an orchestrator can tell a useless balancer. */
    public AdminHandler.Page ready() {
        int available = pool.snapshot().available().size();
        return new AdminHandler.Page(available > 0 ? 200 : 503, "application/json",
                "{\"available\":" + available + "}");
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, Backend b, String labels, Number value) {
        out.append(name).append("{backend=\"").append(b.address()).append('"').append(labels).append("} ")
                .append(value).append('\n');
    }
}
