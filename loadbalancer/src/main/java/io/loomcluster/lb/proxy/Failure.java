package io.loomcluster.lb.proxy;

/**
 * Every way one attempt at a backend can fail, decided once where it happens. Each value carries
 * the status the client gets when this is the last word, whether another backend may be tried, and
 * what it says about the backend's health; {@link #retryable(boolean)} is the retry policy.
 */
enum Failure {
    /** The connection was refused or could not be made: nothing was sent, any request may go elsewhere. */
    CONNECT_FAILED(503, Retry.ALWAYS, true, "the backend refused the connection"),
    /** The connection was not made within {@code LB_CONNECT_TIMEOUT}: nothing was sent. */
    CONNECT_TIMEOUT(503, Retry.ALWAYS, true, "connecting to the backend timed out"),
    /** The backend closed (or reset) the connection before any byte of a response: it may have seen the request. */
    CLOSED_BEFORE_RESPONSE(502, Retry.IF_IDEMPOTENT, true, "the backend closed the connection before answering"),
    /** The backend answered with bytes that are not HTTP/1.1. */
    MALFORMED_RESPONSE(502, Retry.NEVER, true, "the backend's response was malformed"),
    /** No answer within {@code LB_REQUEST_TIMEOUT} or {@code LB_IDLE_TIMEOUT}: not retried, a slow backend is not made slower by doubling its load. */
    TIMEOUT(504, Retry.NEVER, false, "the backend did not answer in time"),
    /** The backend's share of the balancer's queue is full: a fast 503 beats a long wait. */
    QUEUE_FULL(503, Retry.NEVER, false, "too many requests are waiting for this backend (its connections are all"
            + " busy, LB_MAX_CONNECTIONS_PER_BACKEND, and its queue is full, LB_MAX_QUEUED_PER_BACKEND)"),
    /** The backend holds as many long-lived streams through this balancer as it may: nothing was sent, another may have room. */
    STREAMS_FULL(503, Retry.ALWAYS, false, "this backend holds as many long-lived streams (event streams, WebSockets,"
            + " long-polls) as LB_MAX_STREAMS_PER_BACKEND allows");

    /** When another backend may be tried after this failure. */
    enum Retry { ALWAYS, IF_IDEMPOTENT, NEVER }

    final int status;
    final Retry retry;
    /** Counts towards ejecting the backend ({@code LB_HEALTH_FALL}). */
    final boolean unhealthy;
    final String detail;

    Failure(int status, Retry retry, boolean unhealthy, String detail) {
        this.status = status;
        this.retry = retry;
        this.unhealthy = unhealthy;
        this.detail = detail;
    }

    /** Whether a request that failed this way may be sent to another backend. */
    boolean retryable(boolean idempotent) {
        return retry == Retry.ALWAYS || (retry == Retry.IF_IDEMPOTENT && idempotent);
    }
}
