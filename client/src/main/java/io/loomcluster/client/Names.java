package io.loomcluster.client;

/** Header names of the API that the client reads or sends. */
public final class Names {
    public static final String INSTANCE_ID = "X-Instance-Id";
    public static final String REQUEST_ID = "X-Request-Id";
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    public static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
    public static final String LAST_EVENT_ID = "Last-Event-ID";
    public static final String SESSION_COOKIE = "SESSION";

    private Names() {
    }
}
