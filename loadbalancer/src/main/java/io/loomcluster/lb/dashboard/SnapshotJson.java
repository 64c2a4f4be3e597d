package io.loomcluster.lb.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.loomcluster.lb.backend.Backend;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * One dashboard event: cluster totals and every backend with its figures of the last second and its
 * series. Written once per tick and shared by all streams. Numbers are rounded to what a person reads;
 * a missing figure (no requests, no metrics) is {@code null}.
 */
final class SnapshotJson {
    private static final JsonFactory JSON = new JsonFactory();

    private final String strategy;
    private final long intervalMillis;

    SnapshotJson(String strategy, long intervalMillis) {
        this.strategy = strategy;
        this.intervalMillis = intervalMillis;
    }

    String render(TrafficHistory.Sample sample, int available, Dashboard.ConnectionsOf connections) {
        StringWriter out = new StringWriter(4096);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("time", sample.timeMillis());
            g.writeStringField("strategy", strategy);
            g.writeNumberField("intervalMillis", intervalMillis);
            g.writeNumberField("historySize", TrafficHistory.SAMPLES);
            cluster(g, sample, available, connections);
            g.writeArrayFieldStart("backends");
            for (TrafficHistory.BackendSample b : sample.backends()) {
                backend(g, b, connections.of(b.backend()));
            }
            g.writeEndArray();
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

    private static void backend(JsonGenerator g, TrafficHistory.BackendSample b, LiveConnections.Counts counts)
            throws IOException {
        Backend backend = b.backend();
        g.writeStartObject();
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
