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
        acquire(ctx, 0);
    }

    /**
     * Takes a permit, waiting up to {@code waitMillis} for one: opening a live stream waits its turn
     * briefly instead of being refused at once, since a browser's EventSource does not retry a 503
     * and a connect storm (every stream of a restarted instance coming back) is short.
     */
    public void acquire(Context ctx, long waitMillis) {
        boolean acquired;
        try {
            acquired = waitMillis <= 0 ? permits.tryAcquire() : permits.tryAcquire(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
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
