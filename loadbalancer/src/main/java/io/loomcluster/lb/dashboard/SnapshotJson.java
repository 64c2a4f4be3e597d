package io.loomcluster.lb.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.loomcluster.lb.backend.Backend;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One dashboard event: cluster totals, the pools (name, route rules, strategy, health), every backend
 * with its pool, its figures of the last second and its series, the job queues, and the balancer's own
 * answers by the failure or bound that caused them. Written once per
 * tick and shared by all streams. Numbers are rounded to what a person reads; a missing figure (no
 * requests, no metrics) is {@code null}.
 */
final class SnapshotJson {
    private static final JsonFactory JSON = new JsonFactory();

    /** One pool as the dashboard shows it: its backends right now. */
    record Pool(String name, List<String> rules, String strategy, String healthPath, int available,
                List<Backend> backends) {
    }

    private final String strategy;
    private final long intervalMillis;

    SnapshotJson(String strategy, long intervalMillis) {
        this.strategy = strategy;
        this.intervalMillis = intervalMillis;
    }

    String render(TrafficHistory.Sample sample, int available, Dashboard.ConnectionsOf connections, List<Pool> pools,
                  JobsHistory.View jobs, Map<String, Long> failures) {
        Map<Backend, String> poolOf = new IdentityHashMap<>();
        pools.forEach(pool -> pool.backends().forEach(b -> poolOf.put(b, pool.name())));
        StringWriter out = new StringWriter(4096);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("time", sample.timeMillis());
            g.writeStringField("strategy", strategy);
            g.writeNumberField("intervalMillis", intervalMillis);
            g.writeNumberField("historySize", TrafficHistory.SAMPLES);
            cluster(g, sample, available, connections);
            pools(g, pools);
            g.writeArrayFieldStart("backends");
            for (TrafficHistory.BackendSample b : sample.backends()) {
                String pool = poolOf.get(b.backend());
                if (pool != null) { // else removed between the sample and the pools' snapshots: gone next tick
                    backend(g, b, pool, connections.of(b.backend()));
                }
            }
            g.writeEndArray();
            jobs(g, jobs);
            g.writeObjectFieldStart("failures");
            for (Map.Entry<String, Long> failure : failures.entrySet()) {
                g.writeNumberField(failure.getKey(), failure.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }

    private static void cluster(JsonGenerator g, TrafficHistory.Sample sample, int available,
                                Dashboard.ConnectionsOf connections) throws IOException {
        TrafficHistory.ClusterSample c = sample.cluster();
        Long sse = null;
        Long websocket = null;
        for (TrafficHistory.BackendSample b : sample.backends()) {
            LiveConnections.Counts counts = connections.of(b.backend());
            if (counts != null) {
                sse = (sse == null ? 0 : sse) + counts.sse();
                websocket = (websocket == null ? 0 : websocket) + counts.websocket();
            }
        }
        g.writeObjectFieldStart("cluster");
        g.writeNumberField("backends", sample.backends().size());
        g.writeNumberField("available", available);
        g.writeNumberField("inFlight", c.inFlight());
        number(g, "rps", round(c.rps(), 10));
        number(g, "errorPercent", round(c.errorPercent(), 100));
        nullableLong(g, "sse", sse);
        nullableLong(g, "websocket", websocket);
        series(g, "rpsHistory", c.rpsSeries(), 10);
        series(g, "errorHistory", c.errorSeries(), 100);
        g.writeEndObject();
    }

    private static void pools(JsonGenerator g, List<Pool> pools) throws IOException {
        g.writeArrayFieldStart("pools");
        for (Pool pool : pools) {
            g.writeStartObject();
            g.writeStringField("name", pool.name());
            g.writeArrayFieldStart("rules");
            for (String rule : pool.rules()) {
                g.writeString(rule);
            }
            g.writeEndArray();
            g.writeStringField("strategy", pool.strategy());
            g.writeStringField("healthPath", pool.healthPath());
            g.writeNumberField("available", pool.available());
            g.writeNumberField("backends", pool.backends().size());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The jobs panel: each queue's figures and series, or why there are none. */
    private static void jobs(JsonGenerator g, JobsHistory.View view) throws IOException {
        g.writeObjectFieldStart("jobs");
        if (view.reason() == null) {
            g.writeNullField("reason");
        } else {
            g.writeStringField("reason", view.reason());
        }
        g.writeNumberField("time", view.time());
        g.writeNumberField("intervalMillis", JobsHistory.INTERVAL_MILLIS);
        g.writeNumberField("historySize", JobsHistory.SAMPLES);
        g.writeArrayFieldStart("queues");
        for (JobsHistory.Queue q : view.queues()) {
            g.writeStartObject();
            g.writeStringField("type", q.type());
            g.writeStringField("stream", q.stream());
            g.writeNumberField("length", q.length());
            nullableLong(g, "waiting", q.waiting());
            g.writeNumberField("pending", q.pending());
            g.writeNumberField("oldestPendingMillis", q.oldestPendingMillis());
            g.writeNumberField("scheduled", q.scheduled());
            g.writeNumberField("dead", q.dead());
            g.writeObjectFieldStart("history");
            series(g, "waiting", q.waitingHistory());
            series(g, "pending", q.pendingHistory());
            series(g, "oldestPendingMillis", q.oldestPendingHistory());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void series(JsonGenerator g, String name, double[] values) throws IOException {
        g.writeArrayFieldStart(name);
        for (double value : values) {
            if (Double.isNaN(value)) {
                g.writeNull();
            } else {
                compact(g, value);
            }
        }
        g.writeEndArray();
    }

    private static void backend(JsonGenerator g, TrafficHistory.BackendSample b, String pool,
                                LiveConnections.Counts counts) throws IOException {
        Backend backend = b.backend();
        g.writeStartObject();
        g.writeStringField("pool", pool);
        g.writeStringField("address", backend.address());
        g.writeStringField("url", backend.uri().toString());
        g.writeStringField("state", backend.state().name().toLowerCase());
        g.writeNumberField("inFlight", backend.inFlight());
        g.writeNumberField("requests", backend.requests());
        g.writeNumberField("failures", backend.failures());
        number(g, "rps", round(b.rps(), 10));
        number(g, "errorPercent", round(b.errorPercent(), 100));
        number(g, "p50Millis", b.p50Millis() == null ? Double.NaN : round(b.p50Millis(), 100));
        number(g, "p99Millis", b.p99Millis() == null ? Double.NaN : round(b.p99Millis(), 100));
        nullableLong(g, "sse", counts == null ? null : counts.sse());
        nullableLong(g, "websocket", counts == null ? null : counts.websocket());
        g.writeObjectFieldStart("history");
        series(g, "rps", b.series().rps(), 10);
        series(g, "errorPercent", b.series().errorPercent(), 100);
        series(g, "p99Millis", b.series().p99Millis(), 100);
        series(g, "inFlight", b.series().inFlight(), 1);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void series(JsonGenerator g, String name, TrafficHistory.Ring ring, double scale)
            throws IOException {
        g.writeArrayFieldStart(name);
        for (int i = 0; i < ring.size(); i++) {
            double value = ring.get(i);
            if (Double.isNaN(value)) {
                g.writeNull();
            } else {
                compact(g, round(value, scale));
            }
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, String name, double value) throws IOException {
        if (Double.isNaN(value)) {
            g.writeNullField(name);
        } else {
            g.writeFieldName(name);
            compact(g, value);
        }
    }

    /** Whole numbers without a fraction: the series are most of each event's bytes. */
    private static void compact(JsonGenerator g, double value) throws IOException {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            g.writeNumber((long) value);
        } else {
            g.writeNumber(value);
        }
    }

    private static void nullableLong(JsonGenerator g, String name, Long value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value);
        }
    }

    /** Rounds to a multiple of 1/scale. */
    private static double round(double value, double scale) {
        return Math.round(value * scale) / scale;
    }
}
