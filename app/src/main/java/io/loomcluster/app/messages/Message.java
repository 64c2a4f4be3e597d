package io.loomcluster.app.messages;

import java.time.Instant;

/**
 * A chat message as the API shows it: its current state. {@code editedAt} is null until the author
 * edits it; a deleted message is a tombstone ({@code deleted}, empty text) that keeps its id.
 */
public record Message(long id, long roomId, long userId, String username, String text, Instant createdAt,
                      Instant editedAt, boolean deleted) {
    /** A message as posted: not edited, not deleted. */
    public static Message posted(long id, long roomId, long userId, String username, String text, Instant createdAt) {
        return new Message(id, roomId, userId, username, text, createdAt, null, false);
    }
}
