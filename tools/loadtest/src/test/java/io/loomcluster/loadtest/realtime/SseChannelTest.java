package io.loomcluster.loadtest.realtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.loomcluster.testing.Await;
import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Session;
import io.loomcluster.loadtest.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The SSE subscriber against a stub stream: framing, heartbeats, resume headers, deliveries, duplicates. */
class SseChannelTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<String> lastEventId = new AtomicReference<>();
    private final AtomicReference<String> cookie = new AtomicReference<>();
    private HttpServer server;
    private ApiClient api;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/rooms/7/events", this::stream);
        server.start();
        api = new ApiClient(ApiClient.newHttpClient(16, Duration.ofSeconds(2)),
                java.net.http.HttpClient.newHttpClient(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        release.countDown();
        api.close();
        server.stop(0);
    }

    private void stream(HttpExchange exchange) throws IOException {
        lastEventId.set(exchange.getRequestHeaders().getFirst("Last-Event-ID"));
        cookie.set(exchange.getRequestHeaders().getFirst("Cookie"));
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("X-Instance-Id", "stub-1");
        exchange.sendResponseHeaders(200, 0);
        long sent = System.nanoTime();
        String events = ": ping\n\n"
                + "id: 11\nevent: message\ndata: {\"id\":11,\"roomId\":7,\"text\":\"lt:run1:" + sent + ":hello\"}\n\n"
                + "id: 12\nevent: message\ndata: {\"id\":12,\"roomId\":7,\"text\":\"a message of another run\"}\n\n"
                + "id: 11\ndata: {\"id\":11,\"roomId\":7,\"text\":\"lt:run1:" + sent + ":hello\"}\n\n"
                + "id: 13\nevent: message\ndata: {\"id\":13,\"roomId\":7,\n"
                + "data: \"text\":\"lt:run1:" + sent + ":split over two data lines\"}\n\n";
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(events.getBytes(StandardCharsets.UTF_8));
            body.flush();
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void receivesTaggedMessagesOnceAndResumesAfterTheLastId() {
        Metrics metrics = new Metrics();
        Deliveries deliveries = new Deliveries("run1", metrics, 1);
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        Subscriber subscriber = Transport.SSE.subscriber(api, base, new Session(1, "alice", "abc"), 7, 0, 10,
                deliveries, metrics, null).start();
        try {
            Await.until("two deliveries and a duplicate", Duration.ofSeconds(10),
                    () -> metrics.deliveries() == 2 && metrics.duplicates() == 1);
        } finally {
            subscriber.close();
        }
        assertThat(lastEventId.get()).isEqualTo("10");
        assertThat(cookie.get()).isEqualTo("SESSION=abc");
        assertThat(metrics.subscriptions()).isEqualTo(Map.of("stub-1", 1L));
        assertThat(metrics.subscriberErrors()).isEmpty();
        metrics.takeInterval(1, 1, 0);
        assertThat(metrics.deliveryLatency().count()).isEqualTo(2);
    }
}
