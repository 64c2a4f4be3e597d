package io.loomcluster.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An SSE subscription against a stub stream: framing, heartbeats, the resume header, duplicates, reconnects. */
class SubscriptionTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
    private final List<String> cookies = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private LoomClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/rooms/7/events", this::stream);
        server.start();
        client = LoomClient.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        release.countDown();
        client.close();
        server.stop(0);
    }

    // First connection: two messages, a duplicate, a message split over two data lines, then the
    // stream ends. Every later connection: one more message, then it stays open.
    private void stream(HttpExchange exchange) throws IOException {
        lastEventIds.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
        cookies.add(exchange.getRequestHeaders().getFirst("Cookie"));
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("X-Instance-Id", "stub-1");
        exchange.sendResponseHeaders(200, 0);
        String events = lastEventIds.size() == 1
                ? ": ping\n\n"
                + "id: 11\nevent: message\ndata: " + message(11, "hello") + "\n\n"
                + "id: 12\nevent: message\ndata: " + message(12, "again") + "\n\n"
                + "id: 11\ndata: " + message(11, "hello") + "\n\n"
                + "id: 13\nevent: message\ndata: {\"id\":13,\"roomId\":7,\n"
                + "data: \"text\":\"split over two data lines\"}\n\n"
                : "id: 14\nevent: message\ndata: " + message(14, "after the reconnect") + "\n\n";
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(events.getBytes(StandardCharsets.UTF_8));
            body.flush();
            if (lastEventIds.size() > 1) {
                release.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String message(long id, String text) {
        return "{\"id\":" + id + ",\"roomId\":7,\"userId\":1,\"username\":\"alice\",\"text\":\"" + text
                + "\",\"createdAt\":\"2026-11-26T10:00:00Z\"}";
    }

    @Test
    void deliversEachMessageOnceInOrderAndResumesAfterTheLastIdWhenTheStreamEnds() throws Exception {
        Session session = client.anonymous();
        session.useCookie("abc");
        List<Long> delivered = new CopyOnWriteArrayList<>();
        List<Long> duplicates = new CopyOnWriteArrayList<>();
        List<String> instances = new CopyOnWriteArrayList<>();
        CountDownLatch fourth = new CountDownLatch(4);
        Subscription.Listener listener = new Subscription.Listener() {
            @Override
            public void connected(String instance) {
                instances.add(instance);
            }

            @Override
            public void message(Message message, long receivedNanos) {
                delivered.add(message.id());
                fourth.countDown();
            }

            @Override
            public void duplicate(Message message) {
                duplicates.add(message.id());
            }
        };

        try (Subscription subscription = session.subscribe(7, 10, Transport.SSE, listener)) {
            assertThat(fourth.await(20, TimeUnit.SECONDS)).as("four deliveries").isTrue();
            assertThat(subscription.reconnects()).isEqualTo(1);
        }

        assertThat(delivered).containsExactly(11L, 12L, 13L, 14L);
        assertThat(duplicates).containsExactly(11L);
        assertThat(lastEventIds).containsExactly("10", "13");
        assertThat(cookies).containsOnly("SESSION=abc");
        assertThat(instances).containsOnly("stub-1");
    }

    @Test
    void aStreamOpenedDirectlyReturnsEventsThenTheEnd() throws Exception {
        try (EventStream stream = EventStream.open(client, Request.get("/api/rooms/7/events"))) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.next(Duration.ofSeconds(10)).id()).isEqualTo("11");
            assertThat(stream.next(Duration.ofSeconds(10)).id()).isEqualTo("12");
            assertThat(stream.next(Duration.ofSeconds(10)).id()).isEqualTo("11");
            assertThat(stream.next(Duration.ofSeconds(10)).data()).contains("split over two data lines");
            assertThat(stream.next(Duration.ofSeconds(10))).isEqualTo(SseEvent.END);
        }
    }
}
