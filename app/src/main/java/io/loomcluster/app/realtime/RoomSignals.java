package io.loomcluster.app.realtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * "Something new in room N" on this instance, for the room's feed. The feed takes the room's
 * current signal before it reads PostgreSQL, so a message that commits in between still wakes it.
 */
public final class RoomSignals {
    private final ConcurrentMap<Long, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

    /** The future completed by the next {@link #signal} of this room. */
    public CompletableFuture<Void> next(long roomId) {
        return pending.computeIfAbsent(roomId, id -> new CompletableFuture<>());
    }

    public void signal(long roomId) {
        // Complete before removing: a waiter that takes the room's future in between gets the
        // completed one, so no signal falls between two waits.
        CompletableFuture<Void> future = pending.get(roomId);
        if (future != null) {
            future.complete(null);
            pending.remove(roomId, future);
        }
    }
}
