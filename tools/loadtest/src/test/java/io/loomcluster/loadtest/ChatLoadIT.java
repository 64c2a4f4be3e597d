package io.loomcluster.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Real five-second chat runs against both instances of the test cluster, one per transport, checked through their reports. */
class ChatLoadIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.shared();
    }

    @ParameterizedTest
    @ValueSource(strings = {"longpoll", "sse", "ws"})
    void chatRunWritesConsistentJsonAndHtmlReports(String transport) throws Exception {
        Path out = Files.createTempDirectory(Path.of("target"), "chat-run-" + transport + "-");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit = new Main(new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8), false).run(new String[] {
                "--scenario", "chat", "--transport", transport, "--rate", "20", "--duration", "5s",
                "--url", cluster.appUrl(0) + "," + cluster.appUrl(1),
                "--accounts", "3", "--rooms", "2", "--quiet", "--cleanup", "--out", out.toString(),
                "--slo", "errors<=0"});

        assertThat(exit).as("exit code; stderr:%n%s", stderr).isZero();
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode totals = report.path("totals");
        long requests = totals.path("requests").asLong();
        long successes = totals.path("successes").asLong();
        assertThat(requests).isPositive();
        assertThat(requests).isEqualTo(successes + totals.path("errors").asLong());
        assertThat(sum(report.path("instances"))).isEqualTo(successes);
        // Posts alternate between the two targets, so both instances served some.
        assertThat(report.path("instances").size()).isEqualTo(2);
        assertThat(report.path("latencyByOperation").has("POST /api/rooms/{id}/messages")).isTrue();

        JsonNode delivery = report.path("delivery");
        assertThat(delivery.path("posts").asLong()).isEqualTo(successes);
        assertThat(delivery.path("delivered").asLong()).isPositive()
                .isEqualTo(delivery.path("expected").asLong());
        assertThat(delivery.path("duplicates").asLong()).isZero();
        assertThat(report.path("slo").get(0).path("met").asBoolean()).isTrue();

        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("id=\"total-requests\">" + requests + "<")
                .contains("id=\"total-successes\">" + successes + "<")
                .doesNotContain("{{").doesNotContain("http://cdn").doesNotContain("https://");
        for (Map.Entry<String, JsonNode> instance : iterable(report.path("instances").fields())) {
            assertThat(html).contains(instance.getKey());
        }
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("SLO met:    errors<=0");
    }

    private static long sum(JsonNode counts) {
        long total = 0;
        for (JsonNode value : counts) {
            total += value.asLong();
        }
        return total;
    }

    private static <T> Iterable<T> iterable(Iterator<T> iterator) {
        return () -> iterator;
    }
}
