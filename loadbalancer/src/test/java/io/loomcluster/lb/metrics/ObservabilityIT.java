package io.loomcluster.lb.metrics;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.contract.Names;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.BalancerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** What an operator reads: Prometheus histograms that add up across balancers, and one access log line per request. */
class ObservabilityIT {
    private static BackendProcess a;
    private static BalancerProcess balancer;
    private static LoomClient client;

    @BeforeAll
    static void start() {
        a = BalancerFixture.backends("obs-a").getFirst();
        balancer = BalancerFixture.balancer("obs-lb", Map.of("LB_BACKENDS", a.url().toString(), "LB_EVENT_LOOPS", "2"));
        balancer.awaitState(a.url(), "healthy");
        client = LoomClient.builder(balancer.url()).timeout(Duration.ofSeconds(10)).retry(RetryPolicy.NONE).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        balancer.close();
        a.close();
    }

    @Test
    void requestDurationsAreHistogramsByBackendAndStatusClassWithCountAndSum() {
        String backend = a.url().getHost() + ":" + a.url().getPort();
        double before = sample(metrics(), "lb_request_duration_seconds_count", backend, "2xx");
        for (int i = 0; i < 10; i++) {
            expect200(client.send(Request.get("/echo?n=" + i)));
        }
        assertThat(client.send(Request.get("/slow?ms=x")).status()).isGreaterThanOrEqualTo(400);

        String text = metrics();
        assertThat(sample(text, "lb_request_duration_seconds_count", backend, "2xx")).isEqualTo(before + 10);
        assertThat(sample(text, "lb_request_duration_seconds_sum", backend, "2xx")).isPositive();
        // Cumulative buckets with fixed bounds: the +Inf bucket holds every request.
        assertThat(bucket(text, backend, "2xx", "+Inf")).isEqualTo(before + 10);
        assertThat(bucket(text, backend, "2xx", "0.001")).isLessThanOrEqualTo(bucket(text, backend, "2xx", "60.0"));
        assertThat(text).contains("lb_backend_requests_total{backend=\"" + backend + "\"}")
                .contains("lb_backend_up{backend=\"" + backend + "\"} 1")
                .contains("lb_event_loop_pending_tasks{loop=\"1\"}")
                .contains("lb_event_loop_client_connections{loop=\"0\"}")
                .contains("lb_access_log_dropped_total")
                .contains("jvm_memory_used_bytes")
                .contains("jvm_gc_pause_seconds");
    }

    @Test
    void everyRequestIsOneAccessLogLineWithItsRequestId() {
        String id = "access-" + System.nanoTime();
        expect200(client.send(Request.get("/echo?line=1").header(Names.REQUEST_ID_HEADER, id)));

        Await.until("the request in the access log", Duration.ofSeconds(10),
                () -> log().stream().anyMatch(l -> l.contains("id=" + id)));
        String line = log().stream().filter(l -> l.contains("id=" + id)).findFirst().orElseThrow();
        assertThat(line).contains(" access ").contains("method=GET").contains("path=/echo?line=1")
                .contains("status=200").contains("backend=" + a.url().getHost() + ":" + a.url().getPort())
                .containsPattern("bytes=[1-9]\\d*").containsPattern("ms=\\d+\\.\\d{3}");
    }

    private static void expect200(Reply reply) {
        assertThat(reply.status()).as(reply.describe()).isEqualTo(200);
    }

    private static String metrics() {
        Reply reply = balancer.admin().send(Request.get("/metrics"));
        expect200(reply);
        return reply.body();
    }

    private static double sample(String text, String name, String backend, String status) {
        Matcher m = Pattern.compile("^" + name + "\\{backend=\"" + Pattern.quote(backend) + "\",status=\"" + status
                + "\"} (\\S+)$", Pattern.MULTILINE).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static double bucket(String text, String backend, String status, String le) {
        Matcher m = Pattern.compile("^lb_request_duration_seconds_bucket\\{backend=\"" + Pattern.quote(backend)
                + "\",status=\"" + status + "\",le=\"" + Pattern.quote(le) + "\"} (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertThat(m.find()).as("bucket le=" + le + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static List<String> log() {
        try {
            return Files.readAllLines(balancer.process().log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
