package io.loomcluster.system.observability;

import com.sun.net.httpserver.HttpServer;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A post's background jobs in the trace of the request that created them: one post with a mention,
 * to a room with a webhook, through the real balancer and a real instance, both exporting to a
 * receiver in the test. The cluster is this test's own (its PostgreSQL and Redis), so that no
 * untraced instance's relay or worker can take the jobs.
 */
class JobTracingIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static TestCluster cluster;
    private static OtlpReceiver receiver;
    private static ManagedProcess app;
    private static BalancerProcess balancer;
    private static HttpServer hooks;
    private static final List<Map<String, List<String>>> hookRequests = new CopyOnWriteArrayList<>();
    private static final AtomicInteger hookCalls = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        receiver = OtlpReceiver.start();
        // The first delivery fails (503) and the second succeeds, so that a retry is in the trace.
        hooks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hooks.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        hooks.createContext("/hook", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                hookRequests.add(Map.copyOf(exchange.getRequestHeaders()));
                exchange.sendResponseHeaders(hookCalls.incrementAndGet() == 1 ? 503 : 204, -1);
            }
        });
        hooks.start();

        cluster = TestCluster.start(Path.of(System.getProperty("loom.app.jar")), Path.of("target", "it-logs"));
        Map<String, String> telemetry = Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint().toString(),
                "OTEL_BSP_SCHEDULE_DELAY", "100");
        app = cluster.startApp(telemetry);
        var lbEnv = new HashMap<>(telemetry);
        lbEnv.put("LB_BACKENDS", TestCluster.baseUrl(app).toString());
        lbEnv.put("LB_HEALTH_INTERVAL", "200ms");
        balancer = BalancerProcess.start("lb-jobs-traced", lbEnv, cluster.logDir());
        balancer.awaitAvailable(1, WAIT);
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (hooks != null) {
            hooks.stop(0);
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void aPostsJobsAreSpansOfItsTraceUnderTheAppsSpanWithRetriesAndTheWebhookPost() {
        Session author = TestUsers.signUp(balancer.url(), "jobauthor");
        Session mentioned = TestUsers.signUp(balancer.url(), "jobmention");
        long room = author.createRoom("traced jobs").id();
        mentioned.join(room);
        String hook = "http://127.0.0.1:" + hooks.getAddress().getPort() + "/hook";
        assertThat(author.post("/api/rooms/" + room + "/webhooks", "{\"url\":\"" + hook + "\"}").status()).isEqualTo(201);

        Reply posted = author.send(Request.post("/api/rooms/" + room + "/messages")
                .json("{\"text\":\"hello @" + mentioned.username() + "\"}").header("X-Request-Id", "job-post-1"));
        assertThat(posted.status()).isEqualTo(201);

        ReceivedSpan edge = awaitOne("the balancer's span", s -> "loom-balancer".equals(s.service())
                && s.kind().equals("SPAN_KIND_SERVER") && "job-post-1".equals(s.attribute("loom.request.id")));
        String trace = edge.traceId();
        ReceivedSpan attempt = awaitOne("the balancer's attempt", s -> s.traceId().equals(trace)
                && s.kind().equals("SPAN_KIND_CLIENT") && s.parentSpanId().equals(edge.spanId()));
        ReceivedSpan served = awaitOne("the app's span", s -> s.traceId().equals(trace) && "loom-app".equals(s.service())
                && s.kind().equals("SPAN_KIND_SERVER"));
        assertThat(served.parentSpanId()).isEqualTo(attempt.spanId());

        // The mention job: one run, a child of the request that created it, linked to it as well.
        ReceivedSpan mention = awaitOne("the mention job's span", s -> s.traceId().equals(trace)
                && s.name().equals("process loom:jobs:mention"));
        assertThat(mention.kind()).isEqualTo("SPAN_KIND_CONSUMER");
        assertThat(mention.parentSpanId()).isEqualTo(served.spanId());
        assertThat(mention.links()).containsExactly(served.spanId());
        assertThat(mention.attributes()).containsEntry("loom.job.type", "mention")
                .containsEntry("loom.job.attempt", "1").containsEntry("loom.job.outcome", "done")
                .containsEntry("messaging.operation.type", "process").containsKey("loom.job.id");
        Await.until("the mention job's SQL under its span", WAIT, () -> !receiver.spans(s -> s.parentSpanId()
                .equals(mention.spanId()) && "postgresql".equals(s.attribute("db.system.name"))).isEmpty());

        // The webhook job: a failed first run scheduled for a retry, then a delivered second run,
        // each with the outgoing POST as its CLIENT child.
        Await.until("two runs of the webhook job", WAIT, () -> webhookRuns(trace).size() == 2);
        List<ReceivedSpan> runs = webhookRuns(trace).stream()
                .sorted(java.util.Comparator.comparing(s -> s.attribute("loom.job.attempt"))).toList();
        assertThat(runs).allSatisfy(run -> assertThat(run.parentSpanId()).isEqualTo(served.spanId()));
        assertThat(runs.get(0).attributes()).containsEntry("loom.job.attempt", "1").containsEntry("loom.job.outcome", "retry");
        assertThat(runs.get(0).status()).isEqualTo("STATUS_CODE_ERROR");
        assertThat(runs.get(1).attributes()).containsEntry("loom.job.attempt", "2").containsEntry("loom.job.outcome", "done");
        assertThat(post(runs.get(0)).attribute("http.response.status_code")).isEqualTo("503");
        assertThat(post(runs.get(1)).attribute("http.response.status_code")).isEqualTo("204");
        assertThat(post(runs.get(1)).attribute("server.port")).isEqualTo(Integer.toString(hooks.getAddress().getPort()));
        assertThat(post(runs.get(1)).attributes()).doesNotContainKey("url.full");

        // The receiver is a third party: it is not handed our trace.
        assertThat(hookRequests).hasSize(2).allSatisfy(headers -> assertThat(headers.keySet())
                .noneMatch(h -> h.equalsIgnoreCase("traceparent") || h.equalsIgnoreCase("tracestate")));
    }

    @Test
    void anOutboxRowWithoutATraceContextStillRunsInATraceOfItsOwn() throws SQLException {
        Session author = TestUsers.signUp(balancer.url(), "oldjob");
        Session mentioned = TestUsers.signUp(balancer.url(), "oldmention");
        long room = author.createRoom("old rows").id();
        mentioned.join(room);
        long message = author.post(room, "no mention here").id();

        // A row as written before jobs carried trace context: no traceparent, no tracestate.
        String jobId = "mention:" + message;
        try (var db = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "");
             var insert = db.prepareStatement("insert into job_outbox (job_id, type, payload) values (?, 'mention', ?)")) {
            insert.setString(1, jobId);
            insert.setString(2, "{\"messageId\":" + message + ",\"roomId\":" + room + ",\"userIds\":[" + mentioned.userId() + "]}");
            insert.executeUpdate();
        }

        Await.until("the old row's notification", WAIT,
                () -> mentioned.get("/api/notifications").json().path("items").size() == 1);
        ReceivedSpan run = awaitOne("the old row's job span", s -> jobId.equals(s.attribute("loom.job.id")));
        assertThat(run.parentSpanId()).as("a root: nothing to be the child of").isEmpty();
        assertThat(run.links()).isEmpty();
        assertThat(run.attribute("loom.job.outcome")).isEqualTo("done");
    }

    private static List<ReceivedSpan> webhookRuns(String trace) {
        return receiver.spans(s -> s.traceId().equals(trace) && s.name().equals("process loom:jobs:webhook"));
    }

    private static ReceivedSpan post(ReceivedSpan run) {
        return awaitOne("the POST of run " + run.attribute("loom.job.attempt"), s -> s.parentSpanId().equals(run.spanId())
                && s.kind().equals("SPAN_KIND_CLIENT") && s.name().equals("POST"));
    }

    private static ReceivedSpan awaitOne(String what, java.util.function.Predicate<ReceivedSpan> filter) {
        Await.until(what, WAIT, () -> !receiver.spans(filter).isEmpty());
        List<ReceivedSpan> found = receiver.spans(filter);
        assertThat(found).as(what).hasSize(1);
        return found.getFirst();
    }
}
