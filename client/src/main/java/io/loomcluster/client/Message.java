package io.loomcluster.client;

import java.time.Instant;

/** A chat message. */
public record Message(long id, long roomId, long userId, String username, String text, Instant createdAt) {
}
