package io.loomcluster.app.jobs;

import java.util.HashMap;
import java.util.Map;

/**
 * One unit of background work as it travels through a stream: a stable {@code id} (the idempotency
 * key of its effect), its {@code type} (which stream and handler), a JSON {@code payload}, the
 * {@code attempt} it is on (1 for the first run), when it was first enqueued (epoch millis, for the
 * enqueue-to-done latency) and the trace context of the request that created it (kept through
 * retries, dead letters and re-drives; absent in entries written without one).
 */
public record Job(String id, String type, String payload, int attempt, long enqueuedAt, TraceContext trace) {
    static final String ID = "id";
    static final String TYPE = "type";
    static final String PAYLOAD = "payload";
    static final String ATTEMPT = "attempt";
    static final String ENQUEUED = "enqueued";
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";

    public Job {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1");
        }
        trace = trace == null ? TraceContext.NONE : trace;
    }

    /** A job without a trace context. */
    public Job(String id, String type, String payload, int attempt, long enqueuedAt) {
        this(id, type, payload, attempt, enqueuedAt, TraceContext.NONE);
    }

    public static Job first(String id, String type, String payload, long now) {
        return new Job(id, type, payload, 1, now);
    }

    Job nextAttempt() {
        return new Job(id, type, payload, attempt + 1, enqueuedAt, trace);
    }

    Job firstAttempt() {
        return new Job(id, type, payload, 1, enqueuedAt, trace);
    }

    Map<String, String> fields() {
        Map<String, String> fields = new HashMap<>();
        fields.put(ID, id);
        fields.put(TYPE, type);
        fields.put(PAYLOAD, payload);
        fields.put(ATTEMPT, Integer.toString(attempt));
        fields.put(ENQUEUED, Long.toString(enqueuedAt));
        if (trace.traceparent() != null) {
            fields.put(TRACEPARENT, trace.traceparent());
        }
        if (trace.tracestate() != null) {
            fields.put(TRACESTATE, trace.tracestate());
        }
        return fields;
    }

    static Job fromFields(Map<String, String> fields) {
        return new Job(fields.get(ID), fields.get(TYPE), fields.get(PAYLOAD),
                Integer.parseInt(fields.getOrDefault(ATTEMPT, "1")),
                Long.parseLong(fields.getOrDefault(ENQUEUED, "0")),
                fields.containsKey(TRACEPARENT) ? new TraceContext(fields.get(TRACEPARENT), fields.get(TRACESTATE))
                        : TraceContext.NONE);
    }
}
