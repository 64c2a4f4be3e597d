package io.loomcluster.app.http;

import io.javalin.http.Context;

import java.util.concurrent.Semaphore;

/**
 * Bounds the API requests this instance works on at once. Javalin's virtual-thread pool never
 * pushes back, so without this an overload piles up threads waiting for the database; with it,
 * requests beyond the bound get a fast 503 with Retry-After and the ones admitted stay fast.
 */
public final class InFlightLimiter {
    private static final String ATTRIBUTE = "loom.inFlightPermit";

    private final Semaphore permits;
    private final int capacity;

    public InFlightLimiter(int capacity) {
        this.capacity = capacity;
        this.permits = new Semaphore(capacity);
    }

    public void acquire(Context ctx) {
        if (!permits.tryAcquire()) {
            throw new ApiException(503, "Overloaded",
                    "this instance is at its limit of " + capacity + " requests in flight; retry shortly",
                    java.util.Map.of("Retry-After", "1"));
        }
        ctx.attribute(ATTRIBUTE, Boolean.TRUE);
    }

    /** Releases this request's permit, once; safe to call when it holds none. */
    public void release(Context ctx) {
        if (Boolean.TRUE.equals(ctx.attribute(ATTRIBUTE))) {
            ctx.attribute(ATTRIBUTE, Boolean.FALSE);
            permits.release();
        }
    }

    public int inFlight() {
        return capacity - permits.availablePermits();
    }
}
