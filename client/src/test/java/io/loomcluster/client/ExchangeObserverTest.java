package io.loomcluster.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Observers see each exchange and stream event as sent and received, and their refusal reaches the caller. */
class ExchangeObserverTest {
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final List<SseEvent> events = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/echo", this::echo);
        server.createContext("/events", this::events);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void anObserverSeesTheRequestAsSentAndTheReply() {
        try (LoomClient client = LoomClient.builder(base).header("X-Request-Id", "r-1").observer(recording()).build()) {
            client.send(Request.post("/echo?x=1").json("{\"a\":1}"));
        }

        Exchange seen = exchanges.getFirst();
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.pathAndQuery()).isEqualTo("/echo?x=1");
        assertThat(seen.requestHeader("X-Request-Id")).isEqualTo("r-1");
        assertThat(new String(seen.requestBody(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(seen.reply().status()).isEqualTo(201);
        assertThat(seen.reply().body()).isEqualTo("{\"a\":1}");
        assertThat(seen.streamed()).isFalse();
    }

    @Test
    void anObserversAssertionErrorFailsTheCallThatCausedIt() {
        try (LoomClient client = LoomClient.builder(base).observer(e -> {
            throw new AssertionError("refused " + e.pathAndQuery());
        }).build()) {
            assertThatThrownBy(() -> client.send(Request.get("/echo"))).isInstanceOf(AssertionError.class)
                    .hasMessage("refused /echo");
        }
    }

    @Test
    void streamEventsAreObservedAndARefusedEventEndsTheStreamWithTheErrorForTheReader() throws InterruptedException {
        ExchangeObserver refusingSecond = new ExchangeObserver() {
            @Override
            public void exchanged(Exchange exchange) {
                exchanges.add(exchange);
            }

            @Override
            public void event(Exchange opened, SseEvent event) {
                events.add(event);
                if ("2".equals(event.id())) {
                    throw new AssertionError("event 2 refused");
                }
            }
        };
        try (LoomClient client = LoomClient.builder(base).observer(refusingSecond).build();
             EventStream stream = EventStream.open(client, Request.get("/events"))) {
            assertThat(stream.next(Duration.ofSeconds(10)).id()).isEqualTo("1");
            assertThatThrownBy(() -> stream.next(Duration.ofSeconds(10))).isInstanceOf(AssertionError.class)
                    .hasMessage("event 2 refused");
        }
        assertThat(exchanges).singleElement().satisfies(e -> assertThat(e.streamed()).isTrue());
        assertThat(events).extracting(SseEvent::id).containsExactly("1", "2");
    }

    @Test
    void aClientOfAnotherServiceCanDropTheDiscoveredObservers() {
        try (LoomClient client = LoomClient.builder(base).observer(recording()).unobserved().build()) {
            client.send(Request.get("/echo"));
        }
        assertThat(exchanges).isEmpty();
    }

    private ExchangeObserver recording() {
        return exchanges::add;
    }

    private void echo(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(exchange.getRequestMethod().equals("POST") ? 201 : 200, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private void events(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        exchange.getResponseBody().write("id: 1\nevent: message\ndata: {}\n\nid: 2\nevent: message\ndata: {}\n\nid: 3\ndata: {}\n\n"
                .getBytes(StandardCharsets.UTF_8));
        exchange.getResponseBody().flush();
        exchange.close();
    }
}
