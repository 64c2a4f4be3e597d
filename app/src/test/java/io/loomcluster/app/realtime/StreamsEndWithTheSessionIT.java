package io.loomcluster.app.realtime;

import io.loomcluster.client.EventStream;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.client.SseEvent;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.loomcluster.testing.TestUsers.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live stream is a session's: logging out (on any instance) or the session expiring ends the
 * session's streams on every instance, while other sessions of the same user keep theirs.
 */
class StreamsEndWithTheSessionIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void loggingOutOnOneInstanceEndsThatSessionsRoomStreamsOnAnother() throws Exception {
        Session user = TestUsers.signUp(a, "streamlogout");
        long room = user.createRoom("logout ends streams").id();
        Session otherSession = TestUsers.at(a);
        otherSession.logIn(user.username(), TestUsers.PASSWORD);
        double before = LiveDeliveryIT.liveConnections(a);

        try (EventStream stream = user.events(room, null); EventStream survivor = otherSession.events(room, null)) {
            LiveSocket socket = user.webSocket("/api/rooms/" + room + "/ws", true);
            assertThat(stream.status()).isEqualTo(200);
            Await.until("three streams to be live on A", WAIT, () -> LiveDeliveryIT.liveConnections(a) >= before + 3);

            assertThat(user.on(b).delete("/api/session").status()).isEqualTo(204);

            SseEvent close = stream.next(WAIT);
            assertThat(close.event()).isEqualTo("close");
            assertThat(close.data()).contains("logged out");
            assertThat(stream.next(WAIT)).isEqualTo(SseEvent.END);
            LiveSocket.Closed closed = socket.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).contains("logged out");
            // The same user's other session keeps its stream.
            long posted = otherSession.post(room, "still here").id();
            assertThat(survivor.next(WAIT).id()).isEqualTo(Long.toString(posted));
        }
    }

    @Test
    void loggingOutOnOneInstanceEndsThatSessionsNotificationStreamOnAnother() throws Exception {
        Session user = TestUsers.signUp(a, "notelogout");

        try (EventStream stream = user.notificationEvents(null)) {
            assertThat(stream.status()).isEqualTo(200);

            assertThat(user.on(b).delete("/api/session").status()).isEqualTo(204);

            SseEvent close = stream.next(WAIT);
            assertThat(close.event()).isEqualTo("close");
            assertThat(close.data()).contains("logged out");
            assertThat(stream.next(WAIT)).isEqualTo(SseEvent.END);
        }
    }

    @Test
    void loggingOutOnOneInstanceAnswersThatSessionsParkedLongPollOnAnotherWith401() throws Exception {
        Session user = TestUsers.signUp(a, "polllogout");
        long room = user.createRoom("logout ends polls").id();
        long last = user.post(room, "before the poll").id();
        double parked = metric(a, "loom_long_polls_waiting");
        CompletableFuture<Reply> poll = CompletableFuture.supplyAsync(
                () -> user.get("/api/rooms/" + room + "/messages?after=" + last + "&wait=30"));
        Await.until("the long-poll to be parked on A", WAIT, () -> metric(a, "loom_long_polls_waiting") >= parked + 1);

        assertThat(user.on(b).delete("/api/session").status()).isEqualTo(204);

        Reply answer = poll.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.contentType()).startsWith("application/problem+json");
    }

    @Test
    void aStreamEndsSoonAfterItsSessionExpires() throws Exception {
        ManagedProcess shortLived = cluster.startApp(Map.of("SESSION_IDLE_TIMEOUT", "2s", "HEARTBEAT_INTERVAL", "1s"));
        try {
            URI instance = TestCluster.baseUrl(shortLived);
            Session user = TestUsers.signUp(instance, "streamexpiry");
            long room = user.createRoom("expiry ends streams").id();
            String key = "loom:session:" + user.cookie().orElseThrow();

            try (EventStream stream = user.events(room, null)) {
                assertThat(stream.status()).isEqualTo(200);
                // The stream itself does not keep the session alive: only requests do.
                try (RedisClient redis = RedisClient.create(cluster.services().redisUrl())) {
                    Await.until("the session's key to expire in Redis", WAIT, () -> !redis.exists(key));
                }

                SseEvent close = stream.next(WAIT);
                assertThat(close.event()).isEqualTo("close");
                assertThat(close.data()).contains("session expired");
            }
        } finally {
            shortLived.close();
        }
    }
}
