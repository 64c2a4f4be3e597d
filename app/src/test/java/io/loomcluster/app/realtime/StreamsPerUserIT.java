package io.loomcluster.app.realtime;

import io.loomcluster.client.EventStream;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Session;
import io.loomcluster.client.SseEvent;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user holds at most 32 room streams (SSE and WebSocket, across rooms) per instance: the 33rd
 * ends the user's oldest, which is told why; nobody else's streams are touched.
 */
class StreamsPerUserIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);

    @Test
    void theThirtyThirdStreamOfOneUserEndsTheirOldestAndNoOneElses() throws Exception {
        Session hog = TestUsers.signUp(a, "hog");
        Session neighbour = TestUsers.signUp(a, "neighbour");
        List<Long> rooms = List.of(hog.createRoom("one").id(), hog.createRoom("two").id(), hog.createRoom("three").id());
        neighbour.join(rooms.get(0));
        List<LiveSocket> sockets = new ArrayList<>();
        // The oldest is an SSE stream: subscribed before its response headers, so before any socket below.
        try (EventStream oldest = hog.events(rooms.get(0), null);
             LiveSocket other = neighbour.webSocket("/api/rooms/" + rooms.get(0) + "/ws", true)) {
            assertThat(oldest.status()).isEqualTo(200);
            for (int i = 0; i < 32; i++) {
                sockets.add(hog.webSocket("/api/rooms/" + rooms.get(i % rooms.size()) + "/ws", true));
            }

            SseEvent closed = oldest.next(WAIT);
            assertThat(closed.event()).isEqualTo("close");
            assertThat(closed.data()).contains("replaced by a newer live stream of this user");
            assertThat(oldest.next(WAIT).isEnd()).isTrue();

            long message = hog.post(rooms.get(0), "still here?").id();
            assertThat(other.next(WAIT)).contains("\"id\":" + message);
            assertThat(sockets.get(0).next(WAIT)).contains("\"id\":" + message);
            assertThat(sockets).noneMatch(s -> s.closed().isDone());
            assertThat(other.closed().isDone()).isFalse();
        } finally {
            sockets.forEach(LiveSocket::close);
        }
    }

    @Test
    void theOldestWebSocketIsClosedWithAFrameNamingTheReason() throws Exception {
        Session hog = TestUsers.signUp(a, "wshog");
        long room = hog.createRoom("ws hog").id();
        List<LiveSocket> sockets = new ArrayList<>();
        try {
            LiveSocket oldest = hog.webSocket("/api/rooms/" + room + "/ws", true);
            // Subscribed on the server once a message reaches it: then it is surely the oldest.
            long first = hog.post(room, "first").id();
            assertThat(oldest.next(WAIT)).contains("\"id\":" + first);
            sockets.add(oldest);
            for (int i = 0; i < 32; i++) {
                sockets.add(hog.webSocket("/api/rooms/" + room + "/ws", true));
            }

            LiveSocket.Closed closed = oldest.closed().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).contains("replaced by a newer live stream of this user");
        } finally {
            sockets.forEach(LiveSocket::close);
        }
    }
}
