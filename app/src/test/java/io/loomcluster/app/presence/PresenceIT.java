package io.loomcluster.app.presence;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence across real instance processes: users streaming from different instances are listed on
 * every instance, each once; a user whose streams close leaves; the users of an instance killed
 * with kill -9 leave within its bound ({@code PRESENCE_TTL} + the sweepers' heartbeat); members only.
 */
class PresenceIT {
    // The killed instance's lease (1 s) plus the shared instances' heartbeat (5 s), with room to spare.
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void usersStreamingFromAnyInstanceAreListedOnEveryInstanceOnceAndLeaveWhenTheirStreamsClose() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(a, "bob");
        long room = alice.createRoom("presence").id();
        bob.join(room);
        assertThat(users(alice, room)).isEmpty();

        // An SSE stream whose client went away is noticed at its next write (HEARTBEAT_INTERVAL); a
        // WebSocket's close at once: the leaves are tested on WebSockets.
        try (EventStream aliceOnA = alice.events(room, null);
             LiveSocket aliceAgainOnB = alice.on(b).webSocket("/api/rooms/" + room + "/ws", true);
             LiveSocket bobOnB = bob.on(b).webSocket("/api/rooms/" + room + "/ws", true)) {
            assertThat(aliceOnA.status()).isEqualTo(200);
            List<String> both = sorted(alice.username(), bob.username());
            awaitUsers(alice, room, both, WAIT);
            awaitUsers(bob.on(b), room, both, WAIT);
            JsonNode body = alice.get("/api/rooms/" + room + "/presence").json();
            assertThat(body.get("roomId").asLong()).isEqualTo(room);
            assertThat(body.get("users").get(0).get("userId").asLong())
                    .isEqualTo(alice.username().compareTo(bob.username()) < 0 ? alice.userId() : bob.userId());

            bobOnB.close(1000, "bye");
            // Alice's second connection keeps her present (one user on two instances: PresenceTest).
            awaitUsers(alice.on(b), room, List.of(alice.username()), WAIT);
        }
    }

    @Test
    void theUsersOfAKilledInstanceLeaveWithinItsBound() {
        ManagedProcess doomed = cluster.startApp(Map.of("PRESENCE_HEARTBEAT", "500ms", "PRESENCE_TTL", "1s"));
        URI d = TestCluster.baseUrl(doomed);
        Session carol = TestUsers.signUp(a, "carol");
        Session dave = TestUsers.signUp(a, "dave");
        long room = carol.createRoom("kill").id();
        dave.join(room);
        try (EventStream carolOnDoomed = carol.on(d).events(room, null);
             EventStream daveOnB = dave.on(b).events(room, null)) {
            assertThat(List.of(carolOnDoomed.status(), daveOnB.status())).containsOnly(200);
            List<String> both = sorted(carol.username(), dave.username());
            awaitUsers(dave.on(d), room, both, WAIT);
            awaitUsers(dave.on(b), room, both, WAIT);

            doomed.kill();
            awaitUsers(dave.on(b), room, List.of(dave.username()), BOUND);
            awaitUsers(carol, room, List.of(dave.username()), WAIT);
        }
    }

    @Test
    void onlyMembersMayReadPresence() {
        Session owner = TestUsers.signUp(a, "owner");
        Session outsider = TestUsers.signUp(a, "outsider");
        long room = owner.createRoom("private").id();

        Reply anonymous = TestUsers.at(a).get("/api/rooms/" + room + "/presence");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.problem()).isPresent();
        Reply stranger = outsider.get("/api/rooms/" + room + "/presence");
        assertThat(stranger.status()).isEqualTo(403);
        assertThat(stranger.problem().orElseThrow().detail()).contains("not a member of room " + room);
        Reply missing = owner.get("/api/rooms/999999999/presence");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.problem().orElseThrow().detail()).contains("does not exist");
        assertThat(owner.get("/api/rooms/abc/presence").status()).isEqualTo(400);
    }

    private static List<String> users(Session session, long room) {
        Reply reply = session.get("/api/rooms/" + room + "/presence");
        assertThat(reply.status()).as(reply.describe()).isEqualTo(200);
        return names(reply);
    }

    private static List<String> names(Reply reply) {
        List<String> names = new ArrayList<>();
        reply.json().get("users").forEach(u -> names.add(u.get("username").asText()));
        return names;
    }

    private static void awaitUsers(Session session, long room, List<String> expected, Duration timeout) {
        io.loomcluster.testing.Await.until("presence of room " + room + " to be " + expected, timeout, () -> {
            Reply reply = session.get("/api/rooms/" + room + "/presence");
            return reply.status() == 200 && names(reply).equals(expected);
        });
    }

    private static List<String> sorted(String... names) {
        return java.util.Arrays.stream(names).sorted().toList();
    }
}
