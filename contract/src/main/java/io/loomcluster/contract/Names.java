package io.loomcluster.contract;

import java.util.List;

/** Names that one process writes and another reads: change one here and both sides change. */
public final class Names {
    /** Response header: the instance that served the request. */
    public static final String INSTANCE_ID_HEADER = "X-Instance-Id";
    /** Request and response header: the request's id, passed on by the balancer, echoed by the app. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    /**
     * Request header: a post's key, sent by clients and kept by their retries; the app stores the post
     * once per key, and the balancer retries a keyed POST as it retries reads.
     */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    /** Redis sorted set of instances for discovery: member = base URL, score = lease expiry (epoch ms). */
    public static final String BACKENDS_KEY = "loom:lb:backends";

    /**
     * The Redis discovery key of a balancer pool (an app role): {@link #BACKENDS_KEY} for the pool
     * named {@code default}, so a single-pool balancer reads the key instances always wrote.
     */
    public static String backendsKey(String pool) {
        return pool.equals("default") ? BACKENDS_KEY : BACKENDS_KEY + ":" + pool;
    }
    /** Prometheus gauges of an instance's open live connections, read by the balancer's dashboard. */
    public static final String LIVE_CONNECTIONS_SSE = "loom_live_connections_sse";
    public static final String LIVE_CONNECTIONS_WEBSOCKET = "loom_live_connections_websocket";

    /** Job types: each has its own stream, retry schedule and dead-letter stream (docs/jobs.md). */
    public static final String MENTION_JOBS = "mention";
    public static final String WEBHOOK_JOBS = "webhook";
    public static final List<String> JOB_TYPES = List.of(MENTION_JOBS, WEBHOOK_JOBS);
    /** The consumer group every worker reads a job stream with. */
    public static final String JOB_GROUP = "workers";

    /** Redis stream of one job type's jobs ({@code loom:jobs:<type>}). */
    public static String jobStream(String type) {
        return "loom:jobs:" + type;
    }

    /** Sorted set of one job type's scheduled retries (score: due time, epoch ms). */
    public static String jobRetries(String type) {
        return jobStream(type) + ":retry";
    }

    /** Dead-letter stream of one job type. */
    public static String jobDeadLetters(String type) {
        return jobStream(type) + ":dead";
    }

    private Names() {
    }
}
