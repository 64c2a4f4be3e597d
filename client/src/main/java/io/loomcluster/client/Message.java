package io.loomcluster.client;

import java.time.Instant;

/** A chat message as it is now: {@code editedAt} null until edited; a deleted one is a tombstone (empty text). */
public record Message(long id, long roomId, long userId, String username, String text, Instant createdAt,
                      Instant editedAt, boolean deleted) {
}
