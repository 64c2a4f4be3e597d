package io.loomcluster.lb.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.routing.Router;
import io.loomcluster.lb.routing.ServicePool;
import io.loomcluster.lb.tls.ServerCertificate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** {@code /status} as JSON, {@code /metrics} as Prometheus text, and the balancer's own readiness. */
public final class StatusPages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<BackendPool.Snapshot> pool;
    private final String strategy;
    private final LbMetrics metrics;
    /** Null when TLS is off. */
    private final ServerCertificate certificate;
    private final Supplier<Map<String, Object>> clientLimits;
    private final Router router;

    public StatusPages(Supplier<BackendPool.Snapshot> pool, String strategy, LbMetrics metrics, ServerCertificate certificate,
                       Supplier<Map<String, Object>> clientLimits, Router router) {
        this.router = router;
        this.pool = pool;
        this.clientLimits = clientLimits;
        this.certificate = certificate;
        this.strategy = strategy;
        this.metrics = metrics;
    }

    public AdminHandler.Page status() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("strategy", strategy);
        body.put("available", pool.get().available().size());
        body.put("backends", backends(pool.get().all()));
        if (router.pools().size() > 1) {
            List<Map<String, Object>> pools = new ArrayList<>();
            for (ServicePool p : router.pools()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", p.name());
                entry.put("strategy", p.settings().strategy());
                entry.put("healthPath", p.settings().health().path());
                entry.put("available", p.backends().snapshot().available().size());
                entry.put("backends", backends(p.backends().snapshot().all()));
                pools.add(entry);
            }
            body.put("pools", pools);
        }
        Map<String, Object> clients = clientLimits.get();
        if (!clients.isEmpty()) {
            body.put("clients", clients);
        }
        if (certificate != null) {
            ServerCertificate.Loaded loaded = certificate.loaded();
            Map<String, Object> tls = new LinkedHashMap<>();
            tls.put("provider", certificate.provider());
            tls.put("subject", loaded.subject());
            tls.put("notAfter", loaded.notAfter().toString());
            tls.put("loadedAt", loaded.loadedAt().toString());
            tls.put("reloads", certificate.reloads());
            tls.put("refusedReloads", certificate.refused());
            body.put("tls", tls);
        }
        try {
            return new AdminHandler.Page(200, "application/json", JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status is always serialisable", e);
        }
    }

    private static List<Map<String, Object>> backends(List<Backend> all) {
        List<Map<String, Object>> backends = new ArrayList<>();
        for (Backend b : all) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("address", b.address());
            entry.put("url", b.uri().toString());
            entry.put("state", b.state().name().toLowerCase());
            entry.put("inFlight", b.inFlight());
            entry.put("requests", b.requests());
            entry.put("failures", b.failures());
            entry.put("connections", b.connections());
            entry.put("latencyP50Millis", b.latencyMicros(50) / 1000.0);
            entry.put("latencyP99Millis", b.latencyMicros(99) / 1000.0);
            backends.add(entry);
        }
        return backends;
    }

    public AdminHandler.Page metrics() {
        return new AdminHandler.Page(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
    }

    /** 200 while at least one backend takes requests, so an orchestrator can tell a useless balancer. */
    public AdminHandler.Page ready() {
        int available = pool.get().available().size();
        return new AdminHandler.Page(available > 0 ? 200 : 503, "application/json",
                "{\"available\":" + available + "}");
    }
}
