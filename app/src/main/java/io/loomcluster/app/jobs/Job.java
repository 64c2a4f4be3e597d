package io.loomcluster.app.jobs;

import java.util.HashMap;
import java.util.Map;

/**
 * One unit of background work as it travels through a stream: a stable {@code id} (the idempotency
 * key of its effect), its {@code type} (which stream and handler), a JSON {@code payload}, the
 * {@code attempt} it is on (1 for the first run) and when it was first enqueued (epoch millis, for the
 * enqueue-to-done latency).
 */
public record Job(String id, String type, String payload, int attempt, long enqueuedAt) {
    static final String ID = "id";
    static final String TYPE = "type";
    static final String PAYLOAD = "payload";
    static final String ATTEMPT = "attempt";
    static final String ENQUEUED = "enqueued";

    public Job {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1");
        }
    }

    public static Job first(String id, String type, String payload, long now) {
        return new Job(id, type, payload, 1, now);
    }

    Job nextAttempt() {
        return new Job(id, type, payload, attempt + 1, enqueuedAt);
    }

    Map<String, String> fields() {
        Map<String, String> fields = new HashMap<>();
        fields.put(ID, id);
        fields.put(TYPE, type);
        fields.put(PAYLOAD, payload);
        fields.put(ATTEMPT, Integer.toString(attempt));
        fields.put(ENQUEUED, Long.toString(enqueuedAt));
        return fields;
    }

    static Job fromFields(Map<String, String> fields) {
        return new Job(fields.get(ID), fields.get(TYPE), fields.get(PAYLOAD),
                Integer.parseInt(fields.getOrDefault(ATTEMPT, "1")),
                Long.parseLong(fields.getOrDefault(ENQUEUED, "0")));
    }
}
