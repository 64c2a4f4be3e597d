package io.loomcluster.lb.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.Balancer;
import io.loomcluster.lb.testing.Http;
import io.loomcluster.lb.testing.Processes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Forwarding, streaming and limits through a real balancer process in front of two real backends. */
class ForwardingIT {
    private static BackendProcess a;
    private static BackendProcess b;
    private static Balancer balancer;

    @BeforeAll
    static void start() {
        var backends = Processes.backends("fwd-a", "fwd-b");
        a = backends.get(0);
        b = backends.get(1);
        balancer = Processes.balancer("fwd-lb", Map.of(
                "LB_BACKENDS", a.url() + "," + b.url(),
                "LB_REQUEST_TIMEOUT", "1500ms",
                "LB_MAX_BODY_BYTES", "4KiB",
                "LB_MAX_HEADER_BYTES", "4KiB"));
        balancer.awaitState(a, "healthy");
        balancer.awaitState(b, "healthy");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {balancer, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort: the processes die with the build anyway
            }
        }
    }

    @Test
    void roundRobinSpreadsRequestsEvenly() {
        Map<String, Long> served = java.util.stream.IntStream.range(0, 40)
                .mapToObj(i -> Http.get(balancer.url("/echo?i=" + i)))
                .peek(Http::expect200)
                .collect(Collectors.groupingBy(r -> r.headers().firstValue("X-Instance-Id").orElse("none"),
                        Collectors.counting()));
        assertThat(served).containsOnly(Map.entry("fwd-a", 20L), Map.entry("fwd-b", 20L));
    }

    @Test
    void clientSuppliedForwardingHeadersAreReplacedNotTrusted() {
        HttpResponse<String> response = Http.send(HttpRequest.newBuilder(balancer.url("/echo"))
                .header("X-Forwarded-For", "6.6.6.6")
                .header("X-Forwarded-Host", "evil.example")
                .header("X-Forwarded-Proto", "https")
                .header("Forwarded", "for=6.6.6.6;proto=https")
                .header("X-Real-IP", "6.6.6.6")
                .build());
        JsonNode headers = Http.json(response.body()).get("headers");
        assertThat(values(headers, "x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(values(headers, "x-forwarded-proto")).containsExactly("http");
        assertThat(values(headers, "x-forwarded-host")).containsExactly("127.0.0.1:" + balancer.port());
        assertThat(values(headers, "forwarded"))
                .containsExactly("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + balancer.port() + "\"");
        assertThat(headers.has("x-real-ip")).isFalse();
        assertThat(response.body()).doesNotContain("6.6.6.6").doesNotContain("evil.example");
    }

    @Test
    void requestIdIsPassedOnOrCreated() {
        HttpResponse<String> given = Http.send(HttpRequest.newBuilder(balancer.url("/echo"))
                .header("X-Request-Id", "trace-123").build());
        assertThat(values(Http.json(given.body()).get("headers"), "x-request-id")).containsExactly("trace-123");
        assertThat(given.headers().firstValue("X-Request-Id")).hasValue("trace-123");

        HttpResponse<String> created = Http.get(balancer.url("/echo"));
        assertThat(values(Http.json(created.body()).get("headers"), "x-request-id")).singleElement()
                .asString().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void hopByHopHeadersAreNotForwarded() {
        String response = Http.raw(balancer.port(), "GET /echo HTTP/1.1\r\nHost: lb\r\n"
                + "Connection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                + "X-End-To-End: yes\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200");
        JsonNode headers = Http.json(response.substring(response.indexOf("\r\n\r\n") + 4)).get("headers");
        assertThat(headers.has("x-secret")).isFalse();
        assertThat(headers.has("keep-alive")).isFalse();
        assertThat(headers.has("te")).isFalse();
        assertThat(values(headers, "x-end-to-end")).containsExactly("yes");
    }

    @Test
    void serverSentEventsArriveOneByOneBeforeTheResponseEnds() throws Exception {
        HttpResponse<InputStream> response = Http.CLIENT.send(HttpRequest.newBuilder(balancer.url("/sse?count=3"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        BackendProcess origin = response.headers().firstValue("X-Instance-Id").orElseThrow().equals("fwd-a") ? a : b;
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                // The backend writes event n+1 only when told to, so a buffering balancer would stall here.
                assertThat(nextData(lines)).isEqualTo("data: event 1");
                origin.control("/control/next");
                assertThat(nextData(lines)).isEqualTo("data: event 2");
                origin.control("/control/next");
                assertThat(nextData(lines)).isEqualTo("data: event 3");
                assertThat(nextData(lines)).isNull();
            }
        });
    }

    @Test
    void bodyOverTheLimitIsRejectedWith413() {
        String response = Http.raw(balancer.port(), "POST /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(5000));
        assertThat(response).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("\"status\":413");

        String chunked = Http.raw(balancer.port(), "POST /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
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
        String response = Http.raw(balancer.port(), "POST /echo?smuggle HTTP/1.1\r\nHost: lb\r\n"
                + "Connection: close\r\n" + framing);
        assertThat(response).startsWith("HTTP/1.1 400").contains("application/problem+json")
                .contains("\"status\":400");
        assertThat(served()).isEqualTo(before);
    }

    @Test
    void headersOverTheLimitAreRejectedWith431() {
        String response = Http.raw(balancer.port(), "GET /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + "X-Big: " + "z".repeat(8000) + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 431").contains("\"status\":431");
    }

    @Test
    void backendSlowerThanTheRequestTimeoutGets504() {
        HttpResponse<String> response = Http.get(balancer.url("/slow?ms=4000"));
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Http.json(response.body()).get("status").asInt()).isEqualTo(504);

        assertThat(Http.get(balancer.url("/slow?ms=200")).statusCode()).isEqualTo(200);
    }

    private static int served() {
        return a.stats().get("requests").asInt() + b.stats().get("requests").asInt();
    }

    private static String nextData(BufferedReader lines) throws java.io.IOException {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith("data:")) {
                return line;
            }
        }
        return null;
    }

    static List<String> values(JsonNode headers, String name) {
        JsonNode node = headers.get(name);
        if (node == null) {
            return List.of();
        }
        return java.util.stream.StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
    }

}
