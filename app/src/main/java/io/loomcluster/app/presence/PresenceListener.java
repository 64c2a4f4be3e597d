package io.loomcluster.app.presence;

/**
 * A cluster-wide presence change, called on every instance: the user's first live connection to
 * the room anywhere ({@code online}) or their last one gone (closed, or its instance swept).
 * Called on the presence subscriber's thread: it must not block.
 */
@FunctionalInterface
public interface PresenceListener {
    void changed(long roomId, long userId, String username, boolean online);
}
