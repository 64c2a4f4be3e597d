package io.loomcluster.app.rooms;

import io.loomcluster.app.redis.InvalidatedCache;

import java.time.Duration;

/**
 * Memberships confirmed recently, for the requests that come back many times a second: re-issued
 * long-polls (each message releases every parked poll of its room, and each comes straight back).
 * A confirmed membership is trusted for {@link #RECHECK}, unless a leave (on any instance, announced
 * on the message-events channel) invalidates it first; the cache serves only while that channel's
 * subscription is up ({@link io.loomcluster.app.realtime.LiveEvents}). A refusal is never cached.
 */
public final class Memberships {
    static final Duration RECHECK = Duration.ofSeconds(30);
    private static final int MAX_CACHED = 100_000;

    private record Key(long roomId, long userId) {
    }

    private final RoomService rooms;
    private final InvalidatedCache<Key, Boolean> cache = new InvalidatedCache<>(MAX_CACHED);

    public Memberships(RoomService rooms) {
        this.rooms = rooms;
    }

    /** Throws as {@link RoomService#requireMember} does; a recent confirmation costs no query. */
    public void require(long roomId, long userId) {
        Key key = new Key(roomId, userId);
        long now = System.nanoTime();
        if (cache.get(key, now) != null) {
            return;
        }
        long mark = cache.mark();
        rooms.requireMember(roomId, userId);
        cache.put(key, Boolean.TRUE, now + RECHECK.toNanos(), mark);
    }

    /** The user left the room (here or on another instance). */
    public void left(long roomId, long userId) {
        cache.invalidate(new Key(roomId, userId));
    }

    /** The cache whose serving follows the invalidation subscription. */
    public InvalidatedCache<?, ?> cache() {
        return cache;
    }
}
