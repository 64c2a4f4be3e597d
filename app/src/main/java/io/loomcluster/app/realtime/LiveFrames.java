package io.loomcluster.app.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loomcluster.app.messages.Change;

import java.io.UncheckedIOException;
import java.util.Map;

/**
 * How room events look on the wire, the same for every stream: an SSE event (a change carries its
 * position as the event id and the message as data; ephemeral events have no id, so a browser's
 * {@code Last-Event-ID} stays the last change) and a WebSocket text frame (a JSON object with
 * {@code type}; a change carries {@code position} and the message's fields, so clients that read
 * a frame as a message keep working). A change is encoded once per instance, however many
 * subscribers write it.
 */
final class LiveFrames {
    private final ObjectMapper json;

    LiveFrames(ObjectMapper json) {
        this.json = json;
    }

    String sse(RoomEvent event) {
        if (event instanceof RoomEvent.Changed changed) {
            String text = changed.sse;
            if (text == null) {
                Change change = changed.change;
                text = SseTransport.event(change.kind().event(), Long.toString(change.position()), write(change.message()));
                changed.sse = text;
            }
            return text;
        }
        return SseTransport.event(type(event), null, write(ephemeral(event, false)));
    }

    String frame(RoomEvent event) {
        if (event instanceof RoomEvent.Changed changed) {
            String text = changed.frame;
            if (text == null) {
                text = write(changeFrame(changed.change));
                changed.frame = text;
            }
            return text;
        }
        return write(ephemeral(event, true));
    }

    ObjectNode changeFrame(Change change) {
        ObjectNode frame = json.createObjectNode().put("type", change.kind().event()).put("position", change.position());
        frame.setAll(json.<ObjectNode>valueToTree(change.message()));
        return frame;
    }

    private static String type(RoomEvent event) {
        return switch (event) {
            case RoomEvent.Changed c -> c.change.kind().event();
            case RoomEvent.Typing t -> "typing";
            case RoomEvent.Presence p -> "presence";
            case RoomEvent.Read r -> "read";
        };
    }

    private ObjectNode ephemeral(RoomEvent event, boolean typed) {
        ObjectNode node = json.createObjectNode();
        if (typed) {
            node.put("type", type(event));
        }
        node.put("roomId", event.roomId());
        switch (event) {
            case RoomEvent.Typing t -> node.put("userId", t.userId()).put("username", t.username())
                    .put("expiresInMs", t.expiresInMs());
            case RoomEvent.Presence p -> node.put("userId", p.userId()).put("username", p.username())
                    .put("online", p.online());
            case RoomEvent.Read r -> node.put("userId", r.userId()).put("upTo", r.upTo());
            case RoomEvent.Changed c -> throw new IllegalArgumentException("a change is not ephemeral");
        }
        return node;
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    String close(String reason) {
        return write(Map.of("reason", reason));
    }
}
