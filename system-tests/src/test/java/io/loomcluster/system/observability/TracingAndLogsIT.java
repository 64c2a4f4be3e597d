package io.loomcluster.system.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.Session;
import io.loomcluster.system.observability.OtlpReceiver.ReceivedSpan;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One request through the real balancer and a real app instance, both exporting over OTLP/HTTP to a
 * receiver in the test and both logging JSON: the trace crosses the hop with the balancer's attempt
 * as the parent of the app's span, SQL and Redis are its children, problem bodies name the trace,
 * and every log line is a JSON object carrying the ids.
 */
class TracingAndLogsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static OtlpReceiver receiver;
    private static ManagedProcess app;
    private static BalancerProcess balancer;

    @BeforeAll
    static void start() throws IOException {
        receiver = OtlpReceiver.start();
        TestCluster cluster = TestCluster.shared();
        Map<String, String> telemetry = Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint().toString(),
                "OTEL_BSP_SCHEDULE_DELAY", "100",
                "LOG_FORMAT", "json");
        var appEnv = new java.util.HashMap<>(telemetry);
        // Kept out of Redis discovery: the other tests' balancers must not find this instance.
        appEnv.put("REGISTER_IN_REDIS", "false");
        app = cluster.startApp(appEnv);
        var lbEnv = new java.util.HashMap<>(telemetry);
        lbEnv.put("LB_BACKENDS", TestCluster.baseUrl(app).toString());
        lbEnv.put("LB_HEALTH_INTERVAL", "200ms");
        balancer = BalancerProcess.start("lb-traced", lbEnv, cluster.logDir());
        balancer.awaitAvailable(1, WAIT);
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (app != null) {
            app.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void oneRequestIsOneTraceFromTheBalancerThroughTheAppToPostgresAndRedis() {
        Session user = TestUsers.signUp(balancer.url(), "traced");
        Reply created = user.send(Request.post("/api/rooms").json("{\"name\":\"traced room\"}")
                .header("X-Request-Id", "trace-room-1"));
        assertThat(created.status()).isEqualTo(201);

        ReceivedSpan edge = awaitSpan("loom-balancer", "SERVER", "trace-room-1");
        String trace = edge.traceId();
        Await.until("the app's spans of the trace", WAIT, () -> inTrace(trace, "loom-app").size() >= 3);
        List<ReceivedSpan> balancerSpans = inTrace(trace, "loom-balancer");
        List<ReceivedSpan> appSpans = inTrace(trace, "loom-app");

        assertThat(edge.parentSpanId()).as("a new trace starts at the balancer").isEmpty();
        ReceivedSpan attempt = balancerSpans.stream().filter(s -> s.kind().equals("SPAN_KIND_CLIENT")).findFirst().orElseThrow();
        assertThat(attempt.parentSpanId()).isEqualTo(edge.spanId());
        assertThat(attempt.attribute("server.port")).isEqualTo(Integer.toString(TestCluster.baseUrl(app).getPort()));
        assertThat(attempt.attribute("http.response.status_code")).isEqualTo("201");

        ReceivedSpan served = appSpans.stream().filter(s -> s.kind().equals("SPAN_KIND_SERVER")).findFirst().orElseThrow();
        assertThat(served.parentSpanId()).as("the app's span is a child of the balancer's attempt").isEqualTo(attempt.spanId());
        assertThat(served.name()).isEqualTo("POST /api/rooms");
        assertThat(served.attribute("loom.request.id")).isEqualTo("trace-room-1");

        List<ReceivedSpan> children = appSpans.stream().filter(s -> s.parentSpanId().equals(served.spanId())).toList();
        assertThat(children).anySatisfy(s -> {
            assertThat(s.attribute("db.system.name")).isEqualTo("postgresql");
            assertThat(s.name()).isEqualTo("INSERT");
            assertThat(s.attribute("db.query.text")).contains("insert into").doesNotContain("traced room");
        });
        assertThat(children).anySatisfy(s -> assertThat(s.attribute("db.system.name")).isEqualTo("redis"));
        assertThat(receiver.contentTypes()).allMatch("application/x-protobuf"::equals);
    }

    @Test
    void aProblemBodyNamesTheTraceOfTheRequestThatFailed() {
        Reply missing = TestUsers.at(balancer.url()).send(Request.get("/api/no-such-thing").header("X-Request-Id", "trace-404"));

        assertThat(missing.status()).isEqualTo(404);
        String traceId = missing.json().path("traceId").asText();
        assertThat(traceId).matches("[0-9a-f]{32}");
        assertThat(awaitSpan("loom-balancer", "SERVER", "trace-404").traceId()).isEqualTo(traceId);
    }

    @Test
    void aTraceparentFromAClientOutsideTheTrustedRangesStartsNoTrace() {
        String forged = "4bf92f3577b34da6a3ce929d0e0e4736";
        Reply reply = TestUsers.at(balancer.url()).send(Request.get("/api/session")
                .header("traceparent", "00-" + forged + "-00f067aa0ba902b7-01")
                .header("X-Request-Id", "trace-forged"));
        assertThat(reply.status()).isEqualTo(401);

        ReceivedSpan edge = awaitSpan("loom-balancer", "SERVER", "trace-forged");
        assertThat(edge.traceId()).isNotEqualTo(forged);
        assertThat(edge.parentSpanId()).isEmpty();
        ReceivedSpan served = awaitSpan("loom-app", "SERVER", "trace-forged");
        assertThat(served.traceId()).isEqualTo(edge.traceId());
    }

    @Test
    void theAppsMetricsAreScrapedFromTheInstanceNotThroughTheBalancer() {
        for (String path : List.of("/metrics", "/%6Detrics", "//metrics/", "/api/../metrics")) {
            Reply outside = TestUsers.at(balancer.url()).send(Request.get(path));
            assertThat(outside.status()).as(path).isEqualTo(404);
            assertThat(outside.body()).doesNotContain("http_server_requests");
        }

        Reply direct = TestUsers.at(TestCluster.baseUrl(app)).send(Request.get("/metrics"));
        assertThat(direct.status()).isEqualTo(200);
        // Buckets, so that latencies add up across instances.
        assertThat(direct.body()).contains("http_server_requests_seconds_bucket{").contains("le=\"0.025\"")
                .contains("loom_requests_in_flight_max");
    }

    @Test
    void everyLogLineOfBothProcessesIsJsonWithTheRequestAndTraceIds() throws IOException {
        Session user = TestUsers.signUp(balancer.url(), "logged");
        user.send(Request.post("/api/rooms").json("{\"name\":\"logged room\"}").header("X-Request-Id", "log-room-1"));
        user.send(Request.post("/api/rooms").json("{\"name\":").header("X-Request-Id", "log-bad-1"));
        String trace = awaitSpan("loom-balancer", "SERVER", "log-room-1").traceId();

        Await.until("the balancer's access line for the request", WAIT,
                () -> lines(balancer.process().log()).stream().anyMatch(l -> "log-room-1".equals(l.path("id").asText())));
        Await.until("the app's access line for the request", WAIT,
                () -> lines(app.log()).stream().anyMatch(l -> "log-room-1".equals(l.path("requestId").asText())));
        List<JsonNode> appLines = lines(app.log());
        List<JsonNode> balancerLines = lines(balancer.process().log());

        JsonNode served = appLines.stream().filter(l -> "log-room-1".equals(l.path("requestId").asText())
                && "access".equals(l.path("logger_name").asText())).findFirst().orElseThrow();
        assertThat(served.path("traceId").asText()).isEqualTo(trace);
        assertThat(served.path("userId").asLong()).isEqualTo(user.userId());
        assertThat(served.path("status").asInt()).isEqualTo(201);
        assertThat(served.path("route").asText()).isEqualTo("/api/rooms");
        assertThat(served.has("@timestamp") && served.has("level") && served.has("message")).isTrue();

        JsonNode refused = appLines.stream().filter(l -> "log-bad-1".equals(l.path("requestId").asText())).findFirst().orElseThrow();
        assertThat(refused.path("status").asInt()).isEqualTo(400);

        JsonNode access = balancerLines.stream().filter(l -> "log-room-1".equals(l.path("id").asText())).findFirst().orElseThrow();
        assertThat(access.path("traceId").asText()).isEqualTo(trace);
        assertThat(access.path("status").asInt()).isEqualTo(201);
        assertThat(access.path("backend").asText()).contains(Integer.toString(TestCluster.baseUrl(app).getPort()));
    }

    private static ReceivedSpan awaitSpan(String service, String kind, String requestId) {
        Await.until(service + "'s " + kind + " span of " + requestId, WAIT, () -> !matching(service, kind, requestId).isEmpty());
        return matching(service, kind, requestId).getFirst();
    }

    private static List<ReceivedSpan> matching(String service, String kind, String requestId) {
        return receiver.spans(s -> service.equals(s.service()) && s.kind().equals("SPAN_KIND_" + kind)
                && requestId.equals(s.attribute("loom.request.id")));
    }

    private static List<ReceivedSpan> inTrace(String traceId, String service) {
        return receiver.spans(s -> s.traceId().equals(traceId) && service.equals(s.service()));
    }

    /** Every line of a process's log, each of which must be one JSON object. */
    private static List<JsonNode> lines(Path log) {
        List<JsonNode> result = new ArrayList<>();
        try {
            String text = Files.readString(log);
            // A line still being written (no newline yet) is read next time.
            String complete = text.substring(0, text.lastIndexOf('\n') + 1);
            for (String line : complete.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = JSON.readTree(line);
                assertThat(node.isObject()).as("a JSON object: %s", line).isTrue();
                result.add(node);
            }
        } catch (IOException e) {
            throw new AssertionError("a log line of " + log + " is not JSON", e);
        }
        return result;
    }
}
