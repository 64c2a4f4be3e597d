package io.loomcluster.lb.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.SseEvent;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Forwarding, streaming and limits through a real balancer process in front of two real backends. */
class ForwardingIT {
    private static final BalancerFixture lb = BalancerFixture.shared();

    @BeforeAll
    static void bothBackendsRouted() {
        lb.awaitHealthy();
    }

    /** The balancer is shared by the run: what this class sent must not have leaked a buffer. */
    @AfterAll
    static void noBufferLeaked() {
        lb.balancer().assertNoLeaks();
    }

    @Test
    void roundRobinSpreadsRequestsEvenly() {
        Map<String, Long> served = java.util.stream.IntStream.range(0, 40)
                .mapToObj(i -> lb.get("/echo?i=" + i))
                .peek(r -> assertThat(r.status()).isEqualTo(200))
                .collect(Collectors.groupingBy(r -> r.instanceId() == null ? "none" : r.instanceId(), Collectors.counting()));
        assertThat(served).containsOnly(Map.entry(lb.a().id(), 20L), Map.entry(lb.b().id(), 20L));
    }

    @Test
    void clientSuppliedForwardingHeadersAreReplacedNotTrusted() {
        Reply response = lb.client().send(Request.get("/echo")
                .header("X-Forwarded-For", "6.6.6.6")
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Proto", "https")
                .header("Forwarded", "for=6.6.6.6;proto=https")
                .header("X-Real-IP", "6.6.6.6"));
        JsonNode headers = response.json().get("headers");
        assertThat(values(headers, "x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(values(headers, "x-forwarded-proto")).containsExactly("http");
        assertThat(values(headers, "x-forwarded-host")).containsExactly("127.0.0.1:" + lb.balancer().port());
        assertThat(values(headers, "forwarded"))
                .containsExactly("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + lb.balancer().port() + "\"");
        assertThat(headers.has("x-real-ip")).isFalse();
        assertThat(response.body()).doesNotContain("6.6.6.6").doesNotContain("evil.example");
    }

    @Test
    void requestIdIsPassedOnOrCreated() {
        Reply given = lb.client().send(Request.get("/echo").header("X-Request-Id", "trace-123"));
        assertThat(values(given.json().get("headers"), "x-request-id")).containsExactly("trace-123");
        assertThat(given.header("X-Request-Id")).isEqualTo("trace-123");

        Reply created = lb.get("/echo");
        assertThat(values(created.json().get("headers"), "x-request-id")).singleElement()
                .asString().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    /** The shared rule (contract's RequestIds), which the app applies too: visible ASCII is not enough. */
    @Test
    void aRequestIdOutsideTheSharedRuleIsReplacedBeforeTheBackendSeesIt() {
        Reply replaced = lb.client().send(Request.get("/echo").header("X-Request-Id", "k=v;\"quoted\""));

        assertThat(values(replaced.json().get("headers"), "x-request-id")).singleElement()
                .asString().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void hopByHopHeadersAreNotForwarded() {
        String response = RawHttp.exchange(lb.balancer().port(), "GET /echo HTTP/1.1\r\nHost: lb\r\n"
                + "Connection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                + "X-End-To-End: yes\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200");
        JsonNode headers = io.loomcluster.client.Json.tree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("headers");
        assertThat(headers.has("x-secret")).isFalse();
        assertThat(headers.has("keep-alive")).isFalse();
        assertThat(headers.has("te")).isFalse();
        assertThat(values(headers, "x-end-to-end")).containsExactly("yes");
    }

    @Test
    void serverSentEventsArriveOneByOneBeforeTheResponseEnds() {
        try (EventStream events = EventStream.open(lb.client(), Request.get("/sse?count=3"))) {
            assertThat(events.status()).isEqualTo(200);
            BackendProcess origin = lb.backend(events.header("X-Instance-Id"));
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                // The backend writes event n+1 only when told to, so a buffering balancer would stall here.
                assertThat(events.take().data()).isEqualTo("event 1");
                origin.control("/control/next");
                assertThat(events.take().data()).isEqualTo("event 2");
                origin.control("/control/next");
                assertThat(events.take().data()).isEqualTo("event 3");
                assertThat(events.take()).isEqualTo(SseEvent.END);
            });
        }
    }

    /** The shared balancer's request timeout is 1.5 s: asking for an event stream does not lift it from a trickled body. */
    @Test
    void aClientAskingForAnEventStreamWhileTricklingItsBodyIsCutAtTheRequestDeadline() throws Exception {
        long started = System.nanoTime();
        try (java.net.Socket socket = RawHttp.connect(lb.balancer().port())) {
            socket.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: lb\r\nAccept: text/event-stream\r\n"
                    + "Content-Length: 100\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // The trickle is the behaviour under test: one byte every 200 ms would take 20 s.
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 100; i++) {
                        socket.getOutputStream().write('x');
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    // the balancer closed the connection
                }
            });
            String answer = RawHttp.readUntilClosed(socket, Duration.ofSeconds(15));
            trickle.interrupt();
            assertThat(RawHttp.status(answer)).as(answer).isEqualTo(408);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void anEventStreamTheBackendAnswersOutlivesTheRequestDeadline() throws Exception {
        try (EventStream events = EventStream.open(lb.client(), Request.get("/sse?count=2")
                .header("Accept", "text/event-stream"))) {
            assertThat(events.status()).isEqualTo(200);
            assertThat(events.take().data()).isEqualTo("event 1");
            // Past the shared balancer's 1.5 s request timeout: the stream must still be open.
            Thread.sleep(2_500);
            lb.backend(events.header("X-Instance-Id")).control("/control/next");
            assertThat(events.take().data()).isEqualTo("event 2");
        }
    }

    @Test
    void bodyOverTheLimitIsRejectedWith413() {
        String response = RawHttp.exchange(lb.balancer().port(), "POST /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(5000));
        assertThat(response).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("\"status\":413");

        String chunked = RawHttp.exchange(lb.balancer().port(), "POST /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + ("1000\r\n" + "y".repeat(4096) + "\r\n").repeat(2) + "0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 413").contains("\"status\":413");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "Transfer-Encoding: gzip, chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"})
    void ambiguousFramingIsRejectedWith400AndNeverForwarded(String framing) {
        int before = served();
        String response = RawHttp.exchange(lb.balancer().port(), "POST /echo?smuggle HTTP/1.1\r\nHost: lb\r\n"
                + "Connection: close\r\n" + framing);
        assertThat(response).startsWith("HTTP/1.1 400").contains("application/problem+json")
                .contains("\"status\":400");
        assertThat(served()).isEqualTo(before);
    }

    @Test
    void headersOverTheLimitAreRejectedWith431() {
        String response = RawHttp.exchange(lb.balancer().port(), "GET /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + "X-Big: " + "z".repeat(8000) + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 431").contains("\"status\":431");
    }

    @Test
    void backendSlowerThanTheRequestTimeoutGets504() {
        Reply response = lb.get("/slow?ms=4000");
        assertThat(response.status()).isEqualTo(504);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.problem()).hasValueSatisfying(p -> assertThat(p.status()).isEqualTo(504));

        assertThat(lb.get("/slow?ms=200").status()).isEqualTo(200);
    }

    private static int served() {
        return lb.a().stats().get("requests").asInt() + lb.b().stats().get("requests").asInt();
    }

    static List<String> values(JsonNode headers, String name) {
        JsonNode node = headers.get(name);
        if (node == null) {
            return List.of();
        }
        return java.util.stream.StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
    }

}
