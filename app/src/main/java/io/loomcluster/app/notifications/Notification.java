package io.loomcluster.app.notifications;

import java.time.Instant;

/** A mention of the user: which message, in which room, by whom. */
public record Notification(long id, long roomId, long messageId, String from, String text, Instant createdAt) {
}
