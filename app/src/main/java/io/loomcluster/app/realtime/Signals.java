package io.loomcluster.app.realtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * "Something new for key N" on this instance (a room's messages, or a user's notifications: one
 * instance per kind), for that key's feed. The feed takes the key's current signal before it reads
 * PostgreSQL, so an item that commits in between still wakes it.
 */
public final class Signals {
    // Bounded by the keys with a running feed: a feed releases its entry when it stops.
    private final ConcurrentMap<Long, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

    /** The future completed by the next {@link #signal} of this key. */
    public CompletableFuture<Void> next(long key) {
        return pending.computeIfAbsent(key, id -> new CompletableFuture<>());
    }

    /** Keys with an entry (for tests and gauges). */
    int keys() {
        return pending.size();
    }

    /**
     * A waiter that stops: takes the key's entry away (if it is still this future) and completes it,
     * so the map holds only keys someone waits on. A new feed of the same key that took the same
     * future wakes once for nothing, reads again and takes a fresh one: no wake-up is lost.
     */
    void release(long key, CompletableFuture<Void> future) {
        future.complete(null);
        pending.remove(key, future);
    }

    public void signal(long key) {
        // Complete before removing: a waiter that takes the room's future in between gets the
        // completed one, so no signal falls between two waits.
        CompletableFuture<Void> future = pending.get(key);
        if (future != null) {
            future.complete(null);
            pending.remove(key, future);
        }
    }
}
