package io.loomcluster.app.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.SseEvent;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static io.loomcluster.testing.TestUsers.metric;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LiveDeliveryIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void aMessagePostedOnOneInstanceArrivesOverSseOnTheOtherInOrder() throws Exception {
        Session user = TestUsers.signUp(a, "sse");
        long room = user.createRoom("sse").id();

        try (EventStream stream = user.on(b).events(room, null)) {
            assertThat(stream.status()).isEqualTo(200);
            List<Long> posted = postSome(user, room, 5);

            for (long id : posted) {
                SseEvent event = stream.next(WAIT);
                assertThat(event.event()).isEqualTo("message");
                assertThat(event.id()).isEqualTo(Long.toString(id));
                assertThat(JSON.readTree(event.data()).get("id").asLong()).isEqualTo(id);
            }
        }
    }

    @Test
    void aMessagePostedOnOneInstanceArrivesOverWebSocketOnTheOther() throws Exception {
        Session user = TestUsers.signUp(a, "ws");
        long room = user.createRoom("ws").id();
        LiveSocket socket = user.on(b).webSocket("/api/rooms/" + room + "/ws", true);

        List<Long> posted = postSome(user, room, 3);

        for (long id : posted) {
            JsonNode frame = JSON.readTree(socket.next(WAIT));
            assertThat(frame.get("id").asLong()).isEqualTo(id);
            assertThat(frame.get("roomId").asLong()).isEqualTo(room);
        }
        socket.close(1000, "done");
        assertThat(socket.closed().get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
    }

    @Test
    void reconnectingWithTheLastIdReplaysExactlyTheMissedMessages() throws Exception {
        Session user = TestUsers.signUp(a, "replay");
        long room = user.createRoom("replay").id();
        List<Long> seen = postSome(user, room, 2);
        List<Long> missed = postSome(user.on(b), room, 4);

        try (EventStream stream = user.on(b).events(room, Long.toString(seen.get(1)))) {
            for (long id : missed) {
                assertThat(stream.next(WAIT).id()).isEqualTo(Long.toString(id));
            }
            long live = postSome(user, room, 1).get(0);
            assertThat(stream.next(WAIT).id()).isEqualTo(Long.toString(live));
        }
        LiveSocket socket = user.on(a).webSocket("/api/rooms/" + room + "/ws?after=" + missed.get(1), true);
        assertThat(JSON.readTree(socket.next(WAIT)).get("id").asLong()).isEqualTo(missed.get(2));
        assertThat(JSON.readTree(socket.next(WAIT)).get("id").asLong()).isEqualTo(missed.get(3));
        socket.close();
    }

    @Test
    void nonMembersAndAnonymousClientsAreRefusedBeforeTheStreamStarts() throws Exception {
        Session owner = TestUsers.signUp(a, "owner");
        long room = owner.createRoom("private").id();
        Session stranger = TestUsers.signUp(b, "stranger");

        try (EventStream refused = stranger.events(room, null);
             EventStream anonymous = TestUsers.at(b).events(room, null)) {
            assertThat(refused.status()).isEqualTo(403);
            assertThat(anonymous.status()).isEqualTo(401);
        }
        assertThatThrownBy(() -> stranger.on(b).webSocket("/api/rooms/" + room + "/ws", true))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(403));
    }

    @Test
    void leavingARoomEndsItsLiveStreamsOnEveryInstance() throws Exception {
        Session user = TestUsers.signUp(a, "leaving");
        long room = user.createRoom("leaving").id();

        try (EventStream stream = user.on(b).events(room, null)) {
            LiveSocket socket = user.on(b).webSocket("/api/rooms/" + room + "/ws", true);
            Await.until("both streams to be live", WAIT, () -> liveConnections(b) >= 2);
            assertThat(user.delete("/api/rooms/" + room + "/members").status()).isEqualTo(204);

            SseEvent close = stream.next(WAIT);
            assertThat(close.event()).isEqualTo("close");
            assertThat(close.data()).contains("you left the room");
            assertThat(stream.next(WAIT)).isEqualTo(SseEvent.END);
            LiveSocket.Closed closed = socket.closed().get(15, TimeUnit.SECONDS);
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).contains("you left the room");
        }
    }

    @Test
    void aSlowConsumerIsDisconnectedWhileAFastOneOnTheSameRoomKeepsReceiving() throws Exception {
        ManagedProcess small = cluster.startApp(Map.of("SUBSCRIBER_BUFFER", "8", "SLOW_CONSUMER_TIMEOUT", "1s"));
        URI instance = TestCluster.baseUrl(small);
        try {
            Session user = TestUsers.signUp(instance, "slow");
            long room = user.createRoom("slow consumers").id();
            LiveSocket slow = user.on(instance).webSocket("/api/rooms/" + room + "/ws", false);
            try (EventStream fast = user.events(room, null)) {
                Await.until("both subscribers to be live", WAIT, () -> liveConnections(instance) >= 2);
                // 4000 three-byte characters: 12 KB a message, to fill the socket buffers sooner.
                String big = "€".repeat(4000);
                List<Long> posted = new ArrayList<>();
                // Post until the server gives up on the consumer that never reads (its socket
                // buffers fill, then its 8-message queue); bounded in count.
                while (posted.size() % 20 != 0 || droppedConsumers(instance) == 0) {
                    assertThat(posted.size()).as("messages posted without the slow consumer being dropped").isLessThan(2000);
                    posted.add(user.post("/api/rooms/" + room + "/messages", Json.object("text", big)).json().get("id").asLong());
                }

                for (long id : posted) {
                    assertThat(fast.next(WAIT).id()).isEqualTo(Long.toString(id));
                }
                Await.until("the server to close the slow consumer's connection", WAIT, () -> liveConnections(instance) == 1);
                // Once the slow client reads again it finds its connection closed, after whatever the
                // socket buffers still held: it must consume those messages to get there, or its own
                // bounded queue fills and it stops reading before the end (how many messages the
                // kernel buffered depends on the machine's TCP buffer sizes, so count nothing).
                slow.resumeReading();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (slow.poll(Duration.ofMillis(100)) != null || !slow.closed().isDone()) {
                    assertThat(System.nanoTime()).as("the slow client to see the connection closed").isLessThan(deadline);
                }
            }
        } finally {
            small.close();
        }
    }

    @Test
    void shutdownClosesLiveConnectionsWithGoingAway() throws Exception {
        ManagedProcess doomed = cluster.startApp(Map.of("SHUTDOWN_DRAIN_DELAY", "500ms"));
        URI instance = TestCluster.baseUrl(doomed);
        Session user = TestUsers.signUp(instance, "goaway");
        long room = user.createRoom("going away").id();
        LiveSocket socket = user.on(instance).webSocket("/api/rooms/" + room + "/ws", true);
        try (EventStream stream = user.events(room, null)) {
            Await.until("both streams to be live", WAIT, () -> liveConnections(instance) >= 2);

            doomed.signalTerminate();

            LiveSocket.Closed closed = socket.closed().get(20, TimeUnit.SECONDS);
            assertThat(closed.code()).isEqualTo(1001);
            assertThat(closed.reason()).contains("shutting down");
            SseEvent last = stream.next(WAIT);
            assertThat(last.event()).isEqualTo("close");
            assertThat(last.data()).contains("shutting down");
            assertThat(doomed.awaitExit(Duration.ofSeconds(30))).isTrue();
        }
    }

    private static List<Long> postSome(Session user, long room, int count) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Reply posted = user.post("/api/rooms/" + room + "/messages", Json.object("text", "live " + i));
            assertThat(posted.status()).isEqualTo(201);
            ids.add(posted.json().get("id").asLong());
        }
        return ids;
    }

    static double liveConnections(URI instance) {
        return metric(instance, "loom_live_connections_sse") + metric(instance, "loom_live_connections_websocket");
    }

    static double droppedConsumers(URI instance) {
        return metric(instance, "loom_live_consumers_dropped_total");
    }
}
