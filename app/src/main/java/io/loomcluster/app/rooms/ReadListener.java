package io.loomcluster.app.rooms;

/**
 * Told after a user's read marker of a room moved forward (committed; never for a request that
 * left it where it was), so that the user's other devices can clear their badge.
 */
@FunctionalInterface
public interface ReadListener {
    ReadListener NONE = (roomId, userId, upTo) -> { };

    void moved(long roomId, long userId, long upTo);
}
