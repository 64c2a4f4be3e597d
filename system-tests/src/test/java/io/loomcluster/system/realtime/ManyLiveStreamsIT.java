package io.loomcluster.system.realtime;

import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live streams through a balancer with its default settings. They used to count against the pool
 * sized for short requests (512 connections per backend, shared by two event loops), so the 1 025th
 * listener of a two-instance cluster got 503; streams are now bounded on their own.
 */
class ManyLiveStreamsIT {
    /** More than the old bound of two loops × 256 connections × two backends. */
    private static final int STREAMS = 1_500;
    private static final int USERS = 50;
    private static BalancerProcess balancer;

    @BeforeAll
    static void startBalancer() {
        TestCluster cluster = TestCluster.shared();
        balancer = BalancerProcess.start("lb-many-streams", Map.of("LB_DISCOVERY", "redis",
                "REDIS_URL", cluster.services().redisUrl(), "LB_REDIS_INTERVAL", "200ms", "LB_HEALTH_INTERVAL", "200ms"),
                cluster.logDir());
        Await.until("both instances to be discovered and healthy", Duration.ofSeconds(30),
                () -> balancer.available() >= 2);
    }

    @AfterAll
    static void stopBalancer() {
        if (balancer != null) {
            balancer.assertNoLeaks();
            balancer.close();
        }
    }

    @Test
    void moreStreamsThanTheOldBoundAllConnectAndEachGetsTheNextMessage() throws IOException {
        // Accounts made on an instance directly (each from its own forwarded address, under the
        // registration limit); 30 streams each stays under the per-user bound of room streams.
        List<Session> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add(TestUsers.signUp(TestCluster.shared().appUrl(0), "manystreams"));
        }
        Session user = users.get(0);
        long room = user.createRoom("many streams").id();
        users.subList(1, USERS).forEach(member -> member.join(room));
        List<Stream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                streams.add(Stream.open(balancer.port(), room, users.get(i % USERS).cookie().orElseThrow()));
            }
            for (Stream stream : streams) {
                assertThat(stream.head()).as("stream %d of %d", streams.indexOf(stream) + 1, STREAMS)
                        .startsWith("HTTP/1.1 200");
            }
            user.post(room, "to all " + STREAMS);
            for (Stream stream : streams) {
                assertThat(stream.readUntil("to all " + STREAMS)).contains("event: message");
            }
        } finally {
            for (Stream stream : streams) {
                stream.close();
            }
        }
    }

    /** A raw SSE subscriber: one socket, blocking reads (the client library's streams cost a thread each). */
    private record Stream(Socket socket, InputStream in) implements AutoCloseable {
        static Stream open(int port, long room, String cookie) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /api/rooms/" + room + "/events HTTP/1.1\r\nHost: lb\r\n"
                    + "Accept: text/event-stream\r\nCookie: SESSION=" + cookie + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new Stream(socket, new BufferedInputStream(socket.getInputStream()));
        }

        String head() throws IOException {
            return readUntil("\r\n\r\n");
        }

        String readUntil(String marker) throws IOException {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("stream ended before '" + marker + "': " + seen.toString(StandardCharsets.UTF_8));
                }
                seen.write(b);
            }
            return seen.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
