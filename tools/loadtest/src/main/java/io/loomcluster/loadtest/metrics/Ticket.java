package io.loomcluster.loadtest.metrics;

import io.loomcluster.client.Reply;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One measured operation, from its intended start to its outcome. It completes exactly once: either the
 * operation reports its outcome, or the run abandons it at the deadline, whichever comes first, so that
 * every request is counted once as a success or an error.
 */
public final class Ticket {
    private final Metrics metrics;
    private final long intendedStartNanos;
    private final AtomicBoolean done = new AtomicBoolean();

    Ticket(Metrics metrics, long intendedStartNanos) {
        this.metrics = metrics;
        this.intendedStartNanos = intendedStartNanos;
    }

    public long intendedStartNanos() {
        return intendedStartNanos;
    }

    /** The outcome of a call: its response, or the cause of having none, at the time the reply was complete. */
    public void complete(String operation, Reply reply) {
        if (reply.answered()) {
            response(operation, reply.status(), reply.instanceId(), reply.endNanos());
        } else {
            failure(operation, reply.failure(), reply.endNanos());
        }
    }

    /** An HTTP response: 2xx is a success, anything else an error counted by status. */
    public void response(String operation, int status, String instanceId, long endNanos) {
        if (done.compareAndSet(false, true)) {
            metrics.onResponse(this, operation, status, instanceId, endNanos);
        }
    }

    /** No response: a timeout, a refused or reset connection... counted by cause. */
    public void failure(String operation, String cause, long endNanos) {
        if (done.compareAndSet(false, true)) {
            metrics.onFailure(this, operation, cause, endNanos);
        }
    }

    /** Completes the ticket without a latency (dropped or abandoned); false if it had already completed. */
    boolean abandon(String cause) {
        if (done.compareAndSet(false, true)) {
            metrics.onUnmeasured(this, cause);
            return true;
        }
        return false;
    }

    public boolean isDone() {
        return done.get();
    }
}
