package io.loomcluster.app.sessions;

/** A logged-in user as seen by any instance: the Redis session record. */
public record Session(String id, long userId, String username) {
}
