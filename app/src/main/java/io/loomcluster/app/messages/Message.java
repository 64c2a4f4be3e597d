package io.loomcluster.app.messages;

import java.time.Instant;

/** A chat message as the API shows it. */
public record Message(long id, long roomId, long userId, String username, String text, Instant createdAt) {
}
