package io.loomcluster.app.messages;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * "Something new in room N" on this instance, for waiters (long-polls). A waiter takes the room's
 * current signal before it reads PostgreSQL, so a message that commits in between still wakes it.
 */
public final class RoomSignals {
    private final ConcurrentMap<Long, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The future completed by the next {@link #signal} of this room (or by {@link #wakeAll}). */
    public CompletableFuture<Void> next(long roomId) {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        return pending.computeIfAbsent(roomId, id -> new CompletableFuture<>());
    }

    public void signal(long roomId) {
        CompletableFuture<Void> future = pending.remove(roomId);
        if (future != null) {
            future.complete(null);
        }
    }

    /** Wakes every waiter and keeps them from waiting again: used at shutdown. */
    public void wakeAll() {
        closed = true;
        pending.keySet().forEach(this::signal);
    }
}
