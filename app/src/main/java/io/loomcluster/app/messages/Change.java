package io.loomcluster.app.messages;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One entry of a room's change log: a message created, edited or deleted, at its position in the
 * room's sequence, with the message as it is now. A creation's position is the message id, so a
 * message id is always a valid position to resume after.
 */
public record Change(long position, @JsonIgnore Kind kind, Message message) {
    /** The event type, as JSON shows it: {@code message}, {@code message.updated} or {@code message.deleted}. */
    @JsonProperty("type")
    public String type() {
        return kind.event();
    }

    public enum Kind {
        CREATED("message"), UPDATED("message.updated"), DELETED("message.deleted");

        private final String event;

        Kind(String event) {
            this.event = event;
        }

        /** The event type on every transport (SSE {@code event:}, WebSocket {@code type}, webhooks). */
        public String event() {
            return event;
        }

        static Kind of(String column) {
            return switch (column) {
                case "created" -> CREATED;
                case "updated" -> UPDATED;
                case "deleted" -> DELETED;
                default -> throw new IllegalStateException("unknown change kind " + column);
            };
        }
    }

    public static Change created(Message message) {
        return new Change(message.id(), Kind.CREATED, message);
    }
}
