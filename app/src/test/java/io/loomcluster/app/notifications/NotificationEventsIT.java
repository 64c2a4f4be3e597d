package io.loomcluster.app.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.Session;
import io.loomcluster.client.SseEvent;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/notifications/events} across real processes: the mention is posted on an API-only
 * instance, the notification is made by a worker in another process (the shared cluster's
 * instances; neither of these two runs jobs), and the stream is held on a streams-only instance.
 */
class NotificationEventsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<ManagedProcess> started = new ArrayList<>();
    private static URI api;
    private static URI streams;

    @BeforeAll
    static void start() {
        TestCluster cluster = TestCluster.shared();
        ManagedProcess a = cluster.startApp(Map.of("ROLE", "api"));
        started.add(a);
        ManagedProcess b = cluster.startApp(Map.of("ROLE", "streams"));
        started.add(b);
        api = TestCluster.baseUrl(a);
        streams = TestCluster.baseUrl(b);
    }

    @AfterAll
    static void stop() {
        started.forEach(ManagedProcess::close);
    }

    @Test
    void aMentionPostedOnOneInstanceReachesTheStreamHeldOnAnother() throws Exception {
        Session alice = TestUsers.signUp(api, "alice");
        Session bob = TestUsers.signUp(api, "bob");
        long room = alice.createRoom("live mentions").id();
        bob.join(room);

        try (EventStream stream = bob.on(streams).notificationEvents(null)) {
            assertThat(stream.status()).isEqualTo(200);
            long message = alice.post(room, "hello @" + bob.username()).id();

            SseEvent event = stream.next(WAIT);
            assertThat(event.event()).isEqualTo("notification");
            JsonNode data = JSON.readTree(event.data());
            assertThat(data.get("messageId").asLong()).isEqualTo(message);
            assertThat(data.get("roomId").asLong()).isEqualTo(room);
            assertThat(data.get("from").asText()).isEqualTo(alice.username());
            assertThat(event.id()).isEqualTo(data.get("id").asText());
        }
    }

    @Test
    void reconnectingWithTheLastEventIdReplaysExactlyTheMissedNotifications() throws Exception {
        Session alice = TestUsers.signUp(api, "alice");
        Session bob = TestUsers.signUp(api, "bob");
        long room = alice.createRoom("replay").id();
        bob.join(room);
        String seen;
        try (EventStream stream = bob.on(streams).notificationEvents(null)) {
            assertThat(stream.status()).isEqualTo(200);
            alice.post(room, "@" + bob.username() + " first");
            seen = stream.next(WAIT).id();
        }
        // Offline: three more are made while no stream is open.
        for (int i = 0; i < 3; i++) {
            alice.post(room, "@" + bob.username() + " missed " + i);
        }
        Await.until("four notifications stored", WAIT, () -> ids(bob).size() == 4);
        List<String> missed = ids(bob).subList(1, 4);

        try (EventStream stream = bob.on(streams).notificationEvents(seen)) {
            List<String> replayed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                replayed.add(stream.next(WAIT).id());
            }
            assertThat(replayed).containsExactlyElementsOf(missed);
            // Then live, with nothing repeated in between.
            alice.post(room, "@" + bob.username() + " live again");
            Await.until("the fifth notification stored", WAIT, () -> ids(bob).size() == 5);
            assertThat(stream.next(WAIT).id()).isEqualTo(ids(bob).get(4));
        }
    }

    @Test
    void aStreamNeedsASessionAndAWholeNumberCursorAndTheSeventeenthOfAUserEndsTheOldest() throws Exception {
        try (EventStream anonymous = TestUsers.at(streams).notificationEvents(null)) {
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.header("Content-Type")).startsWith("application/problem+json");
        }
        Session carol = TestUsers.signUp(api, "carol");
        try (EventStream bad = carol.on(streams).notificationEvents("12abc")) {
            assertThat(bad.status()).isEqualTo(400);
        }
        List<EventStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                EventStream stream = carol.on(streams).notificationEvents(null);
                open.add(stream);
                assertThat(stream.status()).isEqualTo(200);
            }
            try (EventStream newest = carol.on(streams).notificationEvents(null)) {
                assertThat(newest.status()).isEqualTo(200);
                SseEvent closed = open.getFirst().next(WAIT);
                assertThat(closed.event()).isEqualTo("close");
                assertThat(closed.data()).contains("replaced by a newer notification stream");
                assertThat(open.getFirst().next(WAIT).isEnd()).isTrue();
            }
        } finally {
            open.forEach(EventStream::close);
        }
    }

    private static List<String> ids(Session user) {
        List<String> ids = new ArrayList<>();
        user.get("/api/notifications?limit=100").json().get("items").forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }
}
