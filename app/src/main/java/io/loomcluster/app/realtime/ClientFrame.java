package io.loomcluster.app.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.http.ApiException;

/**
 * A frame a client sends on a WebSocket, parsed and checked for shape (the services check the
 * rest: membership, text length, limits). {@link #parse} either returns a frame or throws an
 * {@link ApiException} (400, 413) that names the problem; nothing else.
 */
sealed interface ClientFrame {
    /** Above this many characters a frame is refused (a post's text is at most 4 000). */
    int MAX_CHARS = 16 * 1024;
    int MAX_REF_CHARS = 64;
    String TYPES = "ping, subscribe, unsubscribe, post, edit, delete, typing, read";

    record Ping() implements ClientFrame {
    }

    /** {@code after} is -1 when the client gave none: from the room's newest position. */
    record Subscribe(long roomId, long after) implements ClientFrame {
    }

    record Unsubscribe(long roomId) implements ClientFrame {
    }

    /** {@code id} (may be null) is the client's id of the post: its idempotency key. */
    record Post(long roomId, String id, String text) implements ClientFrame {
    }

    record Edit(long roomId, long messageId, String text) implements ClientFrame {
    }

    record Delete(long roomId, long messageId) implements ClientFrame {
    }

    record Typing(long roomId) implements ClientFrame {
    }

    record Read(long roomId, long upTo) implements ClientFrame {
    }

    /** A parsed frame and the {@code ref} the client wants its ack to carry (null: no ack). */
    record Parsed(String ref, ClientFrame frame) {
    }

    /**
     * Parses one text frame. A frame whose {@code ref} could be read but whose body is bad throws an
     * {@link Refused} carrying the ref, so the error can be answered as that frame's ack.
     */
    static Parsed parse(ObjectMapper json, String text) {
        if (text.length() > MAX_CHARS) {
            throw new ApiException(413, "Frame too large", "a frame holds at most " + MAX_CHARS + " characters");
        }
        JsonNode frame;
        try {
            frame = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("a frame is one JSON object; this one is not valid JSON");
        }
        if (frame == null || !frame.isObject()) {
            throw ApiException.badRequest("a frame is one JSON object with a \"type\"");
        }
        JsonNode refNode = frame.get("ref");
        if (refNode != null && !(refNode.isTextual() && refNode.asText().length() <= MAX_REF_CHARS)) {
            throw ApiException.badRequest("\"ref\" must be a string of at most " + MAX_REF_CHARS + " characters");
        }
        String ref = refNode == null ? null : refNode.asText();
        try {
            return new Parsed(ref, body(frame));
        } catch (ApiException e) {
            throw new Refused(ref, e);
        }
    }

    private static ClientFrame body(JsonNode frame) {
        JsonNode typeNode = frame.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw ApiException.badRequest("a frame needs a \"type\" (a string): one of " + TYPES);
        }
        String type = typeNode.asText();
        return switch (type) {
            case "ping" -> new Ping();
            case "subscribe" -> new Subscribe(id(frame, "roomId"), frame.has("after") ? position(frame, "after") : -1);
            case "unsubscribe" -> new Unsubscribe(id(frame, "roomId"));
            case "post" -> new Post(id(frame, "roomId"), frame.has("id") ? string(frame, "id") : null, string(frame, "text"));
            case "edit" -> new Edit(id(frame, "roomId"), id(frame, "messageId"), string(frame, "text"));
            case "delete" -> new Delete(id(frame, "roomId"), id(frame, "messageId"));
            case "typing" -> new Typing(id(frame, "roomId"));
            case "read" -> new Read(id(frame, "roomId"), position(frame, "upTo"));
            default -> throw ApiException.badRequest("unknown frame type '"
                    + (type.length() > 40 ? type.substring(0, 40) + "…" : type) + "'; one of " + TYPES);
        };
    }

    private static long id(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() <= 0) {
            throw ApiException.badRequest("\"" + field + "\" must be a positive whole number");
        }
        return value.asLong();
    }

    private static long position(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            throw ApiException.badRequest("\"" + field + "\" must be a position (a whole number, 0 or more)");
        }
        return value.asLong();
    }

    private static String string(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        if (value == null || !value.isTextual()) {
            throw ApiException.badRequest("\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    /** A frame refused for its body, with the {@code ref} it carried. */
    final class Refused extends RuntimeException {
        private final String ref;
        private final ApiException problem;

        Refused(String ref, ApiException problem) {
            super(problem.detail(), null, false, false);
            this.ref = ref;
            this.problem = problem;
        }

        String ref() {
            return ref;
        }

        ApiException problem() {
            return problem;
        }
    }
}
