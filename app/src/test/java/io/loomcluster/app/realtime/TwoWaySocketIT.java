package io.loomcluster.app.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.Json;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Message;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.client.SseEvent;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The two-way WebSocket protocol through real instances: every client frame, the server's answers, bad frames, abuse. */
class TwoWaySocketIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void oneSocketFollowsSeveralRoomsAndPostsEditsDeletesAndTypesThroughTheSameRulesAsRest() throws Exception {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        long general = alice.createRoom("general").id();
        long random = alice.createRoom("random").id();
        bob.join(general);
        bob.join(random);
        long notMine = bob.createRoom("bobs").id();

        LiveSocket socket = alice.webSocket("/api/ws", true);
        assertThat(ack(socket, "{\"type\":\"subscribe\",\"roomId\":" + general + ",\"ref\":\"s1\"}", "s1").get("roomId").asLong())
                .isEqualTo(general);
        ack(socket, "{\"type\":\"subscribe\",\"roomId\":" + random + ",\"ref\":\"s2\"}", "s2");

        // Another member's post on the other instance arrives as a change of its room.
        Message fromBob = bob.post(random, "hi from bob");
        JsonNode frame = next(socket, "message");
        assertThat(frame.get("type").asText()).isEqualTo("message");
        assertThat(frame.get("position").asLong()).isEqualTo(fromBob.id());
        assertThat(frame.get("roomId").asLong()).isEqualTo(random);

        // A post over the socket: the ack carries the stored message, then it arrives like any other.
        JsonNode posted = ack(socket, "{\"type\":\"post\",\"roomId\":" + general + ",\"id\":\"c-1\",\"text\":\"hello\",\"ref\":\"p1\"}", "p1");
        long id = posted.get("message").get("id").asLong();
        assertThat(posted.get("replayed").asBoolean()).isFalse();
        assertThat(next(socket, "message").get("id").asLong()).isEqualTo(id);
        assertThat(bob.messages(general, 0, 10).items()).extracting(Message::id).containsExactly(id);

        JsonNode edited = ack(socket, "{\"type\":\"edit\",\"roomId\":" + general + ",\"messageId\":" + id + ",\"text\":\"hello!\",\"ref\":\"e1\"}", "e1");
        assertThat(edited.get("message").get("text").asText()).isEqualTo("hello!");
        JsonNode updated = next(socket, "message.updated");
        assertThat(updated.get("type").asText()).isEqualTo("message.updated");
        assertThat(updated.get("position").asLong()).isGreaterThan(id);
        ack(socket, "{\"type\":\"delete\",\"roomId\":" + general + ",\"messageId\":" + id + ",\"ref\":\"d1\"}", "d1");
        assertThat(next(socket, "message.deleted").get("id").asLong()).isEqualTo(id);

        // Bob types on the other instance (REST, as an SSE client would): alice's socket is told.
        Reply typing = bob.postEmpty("/api/rooms/" + random + "/typing");
        assertThat(typing.status()).isEqualTo(202);
        assertThat(typing.json().get("broadcast").asBoolean()).isTrue();
        JsonNode typed = next(socket, "typing");
        assertThat(typed.get("type").asText()).isEqualTo("typing");
        assertThat(typed.get("username").asText()).isEqualTo(bob.username());
        assertThat(typed.get("roomId").asLong()).isEqualTo(random);

        // The same rules as REST: a room the user is not in is refused, in the ack.
        JsonNode refused = refusal(socket, "{\"type\":\"post\",\"roomId\":" + notMine + ",\"text\":\"let me in\",\"ref\":\"x\"}", "x");
        assertThat(refused.get("problem").get("status").asInt()).isEqualTo(403);
        JsonNode notSubscribed = refusal(socket, "{\"type\":\"subscribe\",\"roomId\":" + notMine + ",\"ref\":\"x2\"}", "x2");
        assertThat(notSubscribed.get("problem").get("status").asInt()).isEqualTo(403);

        // Unsubscribed, a room's changes no longer arrive; the other room's still do, in order.
        ack(socket, "{\"type\":\"unsubscribe\",\"roomId\":" + random + ",\"ref\":\"u1\"}", "u1");
        bob.post(random, "unheard");
        Message heard = bob.post(general, "heard");
        assertThat(next(socket, "message").get("id").asLong()).isEqualTo(heard.id());
        ack(socket, "{\"type\":\"ping\",\"ref\":\"ping\"}", "ping");
        socket.close(1000, "done");
        assertThat(socket.closed().get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
    }

    @Test
    void aReadFrameMovesTheMarkerAndTheUsersOtherDevicesAreToldButNoOneElse() throws Exception {
        Session alice = TestUsers.signUp(a, "reader");
        Session bob = TestUsers.signUp(b, "writer");
        long room = alice.createRoom("reading").id();
        bob.join(room);
        Message first = bob.post(room, "one");
        Message second = bob.post(room, "two");
        Session alicePhone = alice.on(b);

        try (EventStream phone = alicePhone.events(room, Long.toString(second.id()), true);
             EventStream bobs = bob.on(a).events(room, Long.toString(second.id()))) {
            LiveSocket laptop = alice.webSocket("/api/ws", true);
            JsonNode read = ack(laptop, "{\"type\":\"read\",\"roomId\":" + room + ",\"upTo\":" + first.id() + ",\"ref\":\"r1\"}", "r1")
                    .get("read");
            assertThat(read.get("upTo").asLong()).isEqualTo(first.id());
            assertThat(read.get("unread").asInt()).isEqualTo(1);
            SseEvent moved = nextEvent(phone, "read");
            assertThat(moved.id()).isNull();
            assertThat(Json.tree(moved.data()).get("upTo").asLong()).isEqualTo(first.id());
            // Bob's stream gets nothing of alice's marker: the next thing on it is his next message.
            Message third = bob.post(room, "three");
            SseEvent next = bobs.next(WAIT);
            assertThat(next.event()).isEqualTo("message");
            assertThat(next.id()).isEqualTo(Long.toString(third.id()));
            laptop.close();
        }
        assertThat(alice.get("/api/unread").json().get("total").asInt()).isEqualTo(2);
    }

    @Test
    void presenceEventsReachTheRoomsStreamsOnOtherInstancesWhenAMembersFirstConnectionOpensAndItsLastCloses() throws Exception {
        Session alice = TestUsers.signUp(a, "present");
        Session bob = TestUsers.signUp(b, "arriving");
        long room = alice.createRoom("presence").id();
        bob.join(room);

        try (EventStream stream = alice.events(room, null, true)) {
            // Presence is flushed to Redis in batches: alice's own join on her stream says hers was.
            assertThat(nextPresence(stream, alice.userId()).get("online").asBoolean()).isTrue();
            LiveSocket socket = bob.on(b).webSocket("/api/rooms/" + room + "/ws", true);
            JsonNode joined = nextPresence(stream, bob.userId());
            assertThat(joined.get("online").asBoolean()).isTrue();
            assertThat(joined.get("username").asText()).isEqualTo(bob.username());
            assertThat(alice.on(b).get("/api/rooms/" + room + "/presence").json().get("users").findValuesAsText("username"))
                    .contains(bob.username(), alice.username());
            socket.close(1000, "bye");
            assertThat(nextPresence(stream, bob.userId()).get("online").asBoolean()).isFalse();
        }
    }

    /**
     * Frames read while waiting for an ack that were not it, per socket, in arrival order: a change
     * delivered by a subscription may arrive before the ack of the frame that made it (they are
     * written by different threads), and {@link #next} must still see it.
     */
    private static final Map<LiveSocket, Deque<JsonNode>> HELD = new ConcurrentHashMap<>();

    private static JsonNode nextFrame(LiveSocket socket) throws InterruptedException {
        JsonNode held = HELD.computeIfAbsent(socket, s -> new ArrayDeque<>()).pollFirst();
        return held != null ? held : Json.tree(socket.next(WAIT));
    }

    /** The next frame of the type, skipping frames of other types (presence frames come and go meanwhile). */
    private static JsonNode next(LiveSocket socket, String type) throws InterruptedException {
        while (true) {
            JsonNode frame = nextFrame(socket);
            if (frame.get("type").asText().equals(type)) {
                return frame;
            }
            assertThat(frame.get("type").asText()).as("a frame before the " + type + ": " + frame).isIn("presence", "typing", "read");
        }
    }

    /** The next SSE event of the type, skipping presence events. */
    private static SseEvent nextEvent(EventStream stream, String type) throws InterruptedException {
        while (true) {
            SseEvent event = stream.next(WAIT);
            if (event.event().equals(type)) {
                return event;
            }
            assertThat(event.event()).as("an event before the " + type).isEqualTo("presence");
        }
    }

    /** The next presence event about {@code userId} on the stream (others, such as the reader's own join, are skipped). */
    private static JsonNode nextPresence(EventStream stream, long userId) throws InterruptedException {
        while (true) {
            SseEvent event = stream.next(WAIT);
            if (event.event().equals("presence")) {
                assertThat(event.id()).isNull();
                JsonNode data = Json.tree(event.data());
                if (data.get("userId").asLong() == userId) {
                    return data;
                }
            }
        }
    }

    @Test
    void aPostRetriedWithItsIdAfterAReconnectToAnotherInstanceIsStoredOnce() throws Exception {
        Session user = TestUsers.signUp(a, "retrier");
        long room = user.createRoom("retries").id();
        String post = "{\"type\":\"post\",\"roomId\":" + room + ",\"id\":\"client-42\",\"text\":\"only once\",\"ref\":\"r\"}";

        LiveSocket first = user.webSocket("/api/ws", true);
        JsonNode stored = ack(first, post, "r");
        first.close();
        LiveSocket second = user.on(b).webSocket("/api/ws", true);
        JsonNode replayed = ack(second, post, "r");
        second.close();

        assertThat(replayed.get("replayed").asBoolean()).isTrue();
        assertThat(replayed.get("message").get("id").asLong()).isEqualTo(stored.get("message").get("id").asLong());
        assertThat(user.messages(room, 0, 10).items()).hasSize(1);
    }

    @Test
    void badFramesGetAnErrorAndLeaveTheSocketAndItsSubscriptionsIntactUntilAbuseClosesIt() throws Exception {
        Session user = TestUsers.signUp(a, "sloppy");
        long room = user.createRoom("sloppy").id();
        LiveSocket socket = user.on(b).webSocket("/api/rooms/" + room + "/ws", true);

        assertThat(error(socket, "not json")).contains("not valid JSON");
        assertThat(error(socket, "[1]")).contains("one JSON object");
        assertThat(error(socket, "{\"type\":\"shout\"}")).contains("unknown frame type 'shout'");
        assertThat(error(socket, "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(20_000) + "\"}")).contains("at most");
        JsonNode badField = refusal(socket, "{\"type\":\"post\",\"roomId\":\"seven\",\"text\":\"x\",\"ref\":\"bad\"}", "bad");
        assertThat(badField.get("problem").get("detail").asText()).contains("\"roomId\"");
        // Still subscribed: a post arrives.
        Message after = user.post(room, "still here");
        assertThat(next(socket, "message").get("id").asLong()).isEqualTo(after.id());

        // Abuse: a stream of bad frames closes the socket with 1008 and the reason. Each is sent once
        // the last was answered: a frame still unread when the server closes would make its kernel
        // reset the connection, and the reset can overtake the close frame.
        for (int i = 0; i <= 2 * WebSocketTransport.MAX_ERRORS; i++) {
            socket.sendRaw("{\"type\":\"nope\"}");
            if (!answeredWithError(socket)) {
                break;
            }
        }
        LiveSocket.Closed closed = socket.closed().get(10, TimeUnit.SECONDS);
        assertThat(closed.code()).isEqualTo(1008);
        assertThat(closed.reason()).contains("bad frames");

        // Far over the frame bound, the connection itself is closed (1009).
        LiveSocket huge = user.webSocket("/api/ws", true);
        huge.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
        assertThat(huge.closed().get(10, TimeUnit.SECONDS).code()).isEqualTo(1009);
    }

    @Test
    void typingReachesLiveStreamsOnlyIsLimitedToOnePerSecondAndIsNeverStoredOrReplayed() throws Exception {
        Session alice = TestUsers.signUp(a, "typist");
        Session bob = TestUsers.signUp(b, "watcher");
        long room = alice.createRoom("typing").id();
        bob.join(room);
        Message before = alice.post(room, "before");
        long rowsBefore = rows();

        try (EventStream stream = bob.on(b).events(room, Long.toString(before.id()), true)) {
            LiveSocket socket = alice.webSocket("/api/ws", true);
            assertThat(ack(socket, "{\"type\":\"typing\",\"roomId\":" + room + ",\"ref\":\"t1\"}", "t1").get("broadcast").asBoolean())
                    .isTrue();
            assertThat(ack(socket, "{\"type\":\"typing\",\"roomId\":" + room + ",\"ref\":\"t2\"}", "t2").get("broadcast").asBoolean())
                    .isFalse();
            SseEvent typing = nextEvent(stream, "typing");
            assertThat(typing.id()).isNull();
            assertThat(Json.tree(typing.data()).get("expiresInMs").asLong()).isEqualTo(5_000);
            socket.close();
        }
        assertThat(rows()).isEqualTo(rowsBefore);
        Message next = alice.post(room, "after");
        try (EventStream resumed = bob.on(a).events(room, Long.toString(before.id()))) {
            SseEvent first = resumed.next(WAIT);
            assertThat(first.event()).isEqualTo("message");
            assertThat(first.id()).isEqualTo(Long.toString(next.id()));
        }
    }

    private static JsonNode ack(LiveSocket socket, String frame, String ref) throws InterruptedException {
        JsonNode ack = answer(socket, frame, ref);
        assertThat(ack.get("ok").asBoolean()).as(ack.toString()).isTrue();
        return ack;
    }

    private static JsonNode refusal(LiveSocket socket, String frame, String ref) throws InterruptedException {
        JsonNode ack = answer(socket, frame, ref);
        assertThat(ack.get("ok").asBoolean()).as(ack.toString()).isFalse();
        return ack;
    }

    /** Sends a frame and returns its ack, skipping frames that are not for it. */
    private static JsonNode answer(LiveSocket socket, String frame, String ref) throws InterruptedException {
        if (Json.tree(frame).get("roomId") != null && Json.tree(frame).get("roomId").isIntegralNumber()) {
            socket.send(frame);
        } else {
            socket.sendRaw(frame);
        }
        Deque<JsonNode> read = new ArrayDeque<>();
        while (true) {
            JsonNode reply = nextFrame(socket);
            if (reply.get("type").asText().equals("ack") && reply.get("ref").asText().equals(ref)) {
                HELD.get(socket).addAll(read);
                return reply;
            }
            assertThat(reply.get("type").asText()).as("an unexpected frame before the ack: " + reply).isNotEqualTo("error");
            read.addLast(reply);
        }
    }

    /** True when the next frame (past the user's own presence) is an error; false when the socket ended instead. */
    private static boolean answeredWithError(LiveSocket socket) throws InterruptedException {
        while (true) {
            LiveSocket.Frame frame = socket.poll(WAIT);
            if (frame == null) {
                return false;
            }
            JsonNode reply = Json.tree(frame.text());
            if (reply.get("type").asText().equals("error")) {
                return true;
            }
            assertThat(reply.get("type").asText()).as("a frame before the error: " + reply).isIn("presence", "typing", "read");
        }
    }

    /** Sends a bad frame and returns the detail of the error it gets (the user's own presence may come first). */
    private static String error(LiveSocket socket, String frame) throws InterruptedException {
        socket.sendRaw(frame);
        JsonNode reply = next(socket, "error");
        assertThat(reply.get("problem").get("status").asInt()).isBetween(400, 499);
        return reply.get("problem").get("detail").asText();
    }

    private long rows() throws Exception {
        try (Connection db = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "");
             ResultSet rs = db.createStatement().executeQuery(
                     "select (select count(*) from messages) + (select count(*) from message_changes)")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
