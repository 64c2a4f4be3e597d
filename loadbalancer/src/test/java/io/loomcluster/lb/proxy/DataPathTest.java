package io.loomcluster.lb.proxy;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The state transitions of {@link ClientConnection} and {@link Exchange} on in-memory channels
 * ({@link DataPath}): forwarding, connection reuse, pipelining, refusals, retries, timeouts, event
 * streams and early answers, in milliseconds and on a mock clock.
 */
class DataPathTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void aRequestIsForwardedWithTheBalancersHeadersAndTheAnswerComesBack() {
        try (DataPath path = new DataPath()) {
            path.send("GET /x HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n");
            String sent = DataPath.sentTo(path.backend());
            assertThat(sent).startsWith("GET /x HTTP/1.1\r\n").containsIgnoringCase("X-Forwarded-For: 192.0.2.10\r\n")
                    .doesNotContain("6.6.6.6");

            DataPath.answer(path.backend(), OK);
            assertThat(path.received()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok");
        }
    }

    @Test
    void aBackendConnectionIsReusedByALaterRequest() {
        try (DataPath path = new DataPath()) {
            for (int i = 0; i < 4; i++) {
                path.send("GET /" + i + " HTTP/1.1\r\nHost: lb\r\n\r\n");
                EmbeddedChannel backend = path.backends().stream().filter(b -> !b.outboundMessages().isEmpty())
                        .findFirst().orElseThrow();
                assertThat(DataPath.sentTo(backend)).startsWith("GET /" + i + " ");
                DataPath.answer(backend, OK);
                assertThat(path.received()).startsWith("HTTP/1.1 200");
            }
            // Round-robin over two backends: one connection each, each carried two requests.
            assertThat(path.backends()).hasSize(2);
        }
    }

    @Test
    void pipelinedRequestsWithBodiesAreForwardedOneAtATimeInOrder() {
        try (DataPath path = new DataPath()) {
            path.send("POST /1 HTTP/1.1\r\nHost: lb\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /2 HTTP/1.1\r\nHost: lb\r\nContent-Length: 5\r\n\r\nworld");
            assertThat(path.backends()).hasSize(1);
            assertThat(DataPath.sentTo(path.backend())).startsWith("POST /1 ").endsWith("\r\n\r\nhello");

            DataPath.answer(path.backend(), OK);
            assertThat(path.received()).startsWith("HTTP/1.1 200");
            assertThat(path.backends()).hasSize(2);
            assertThat(DataPath.sentTo(path.backend())).startsWith("POST /2 ").endsWith("\r\n\r\nworld");
        }
    }

    @Test
    void aRequestPipelinedBehindAClosingRefusalIsNeverForwarded() {
        try (DataPath path = new DataPath(Map.of("LB_MAX_BODY_BYTES", "1KiB"))) {
            path.send("POST /1 HTTP/1.1\r\nHost: lb\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(5000)
                    + "GET /2 HTTP/1.1\r\nHost: lb\r\n\r\n");
            assertThat(path.received()).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
            assertThat(path.backends()).isEmpty();
        }
    }

    @Test
    void aRefusedConnectIsRetriedOnTheOtherBackend() {
        try (DataPath path = new DataPath().connects(false)) {
            path.send("POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(path.backends()).hasSize(1);
            assertThat(DataPath.sentTo(path.backend())).startsWith("POST /x ").endsWith("hi");
            DataPath.answer(path.backend(), OK);
            assertThat(path.received()).startsWith("HTTP/1.1 200");
            assertThat(path.backend(DataPath.A).failures() + path.backend(DataPath.B).failures()).isEqualTo(1);
        }
    }

    @Test
    void whenEveryBackendRefusesTheClientGets503WithRetryAfter() {
        try (DataPath path = new DataPath().connects(false, false)) {
            path.send("GET /x HTTP/1.1\r\nHost: lb\r\n\r\n");
            assertThat(path.received()).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After:")
                    .contains("application/problem+json");
            // The dashboard and /status say which failure the 503 came from.
            assertThat(path.loop.services.metrics().failures()).containsEntry("connect_failed", 1L);
        }
    }

    @Test
    void aBackendThatDoesNotAnswerWithinTheRequestTimeoutGets504AndItsConnectionIsClosed() {
        try (DataPath path = new DataPath(Map.of("LB_REQUEST_TIMEOUT", "5s", "LB_IDLE_TIMEOUT", "1m"))) {
            path.send("GET /slow HTTP/1.1\r\nHost: lb\r\n\r\n");
            path.advance(Duration.ofSeconds(4));
            assertThat(path.received()).isEmpty();

            path.advance(Duration.ofSeconds(2));
            assertThat(path.received()).startsWith("HTTP/1.1 504");
            assertThat(path.backend().isActive()).isFalse();
        }
    }

    @Test
    void anEventStreamTheBackendAnswersHasNoTotalDeadline() {
        try (DataPath path = new DataPath(Map.of("LB_REQUEST_TIMEOUT", "5s", "LB_IDLE_TIMEOUT", "1m"))) {
            path.send("GET /events HTTP/1.1\r\nHost: lb\r\nAccept: text/event-stream\r\n\r\n");
            DataPath.answer(path.backend(), "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n8\r\ndata: 1\n\r\n");
            assertThat(path.received()).contains("data: 1");

            path.advance(Duration.ofSeconds(30));
            DataPath.answer(path.backend(), "8\r\ndata: 2\n\r\n");
            assertThat(path.received()).contains("data: 2");
            assertThat(path.client.isActive()).isTrue();
        }
    }

    @Test
    void aClientThatAsksForAnEventStreamButSendsItsBodySlowlyIsCutAtTheRequestDeadline() {
        try (DataPath path = new DataPath(Map.of("LB_REQUEST_TIMEOUT", "5s", "LB_IDLE_TIMEOUT", "1m"))) {
            path.send("POST /events HTTP/1.1\r\nHost: lb\r\nAccept: text/event-stream\r\nContent-Length: 100\r\n\r\n");
            for (int i = 0; i < 5; i++) {
                path.send("x");
                path.advance(Duration.ofMillis(900));
            }
            path.send("x");
            path.advance(Duration.ofMillis(900));
            assertThat(path.received()).startsWith("HTTP/1.1 408");
            assertThat(path.backends()).isEmpty();
        }
    }

    @Test
    void aBackendThatAnswersBeforeTheBodyIsInEndsTheClientConnectionAfterTheAnswer() {
        try (DataPath path = new DataPath(Map.of("LB_RETRY_BUFFER_BYTES", "16"))) {
            path.send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 100\r\n\r\n" + "y".repeat(40));
            assertThat(DataPath.sentTo(path.backend())).startsWith("POST /upload ").endsWith("y".repeat(40));

            DataPath.answer(path.backend(), "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n");
            assertThat(path.received()).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
            assertThat(path.backend().isActive()).as("a backend connection with half a body is not reused").isFalse();
        }
    }

    @Test
    void aStreamedBodyIsSentOnAsItArrivesWithItsLengthStated() {
        try (DataPath path = new DataPath(Map.of("LB_RETRY_BUFFER_BYTES", "16"))) {
            path.send("PUT /big HTTP/1.1\r\nHost: lb\r\nConnection: content-length\r\nContent-Length: 60\r\n\r\n"
                    + "a".repeat(20));
            assertThat(DataPath.sentTo(path.backend())).containsIgnoringCase("Content-Length: 60\r\n").endsWith("a".repeat(20));
            path.send("b".repeat(40));
            assertThat(DataPath.sentTo(path.backend())).isEqualTo("b".repeat(40));
            DataPath.answer(path.backend(), OK);
            assertThat(path.received()).startsWith("HTTP/1.1 200");
        }
    }
}
