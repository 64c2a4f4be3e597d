package io.loomcluster.lb.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.dev.testing.Await;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.Balancer;
import io.loomcluster.lb.testing.EventStream;
import io.loomcluster.lb.testing.Http;
import io.loomcluster.lb.testing.Processes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard over plain HTTP: the page and its policy, and the snapshots on /events. */
class DashboardIT {
    private static BackendProcess a;
    private static BackendProcess b;
    private static Balancer balancer;

    @BeforeAll
    static void start() {
        var backends = Processes.backends("dash-a", "dash-b");
        a = backends.get(0);
        b = backends.get(1);
        balancer = Processes.balancer("dash-lb", Map.of("LB_BACKENDS", a.url() + "," + b.url()));
        balancer.awaitState(a, "healthy");
        balancer.awaitState(b, "healthy");
    }

    @AfterAll
    static void stop() {
        balancer.close();
        a.close();
        b.close();
    }

    /** A closed dashboard's stream is noticed at the server's next write and frees its slot. */
    @AfterEach
    void everyStreamClosedByATestIsReleased() {
        Await.until("no dashboard streams open", Duration.ofSeconds(15), () -> openStreams() == 0);
    }

    @Test
    void pageIsServedWithAStrictContentSecurityPolicyAndLoadsOnlyItsOwnFiles() {
        HttpResponse<String> page = Http.get(admin("/"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("default-src 'self'").doesNotContain("unsafe"));
        assertThat(page.body())
                .contains("<meta name=\"viewport\"")
                .contains("<script src=\"dashboard.js\"")
                .contains("href=\"dashboard.css\"")
                .doesNotContainPattern("<script(?![^>]*\\bsrc=)")
                .doesNotContainPattern("(src|href)=\"(https?:)?//")
                .doesNotContain("style=\"");

        HttpResponse<String> script = Http.get(admin("/dashboard.js"));
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/javascript"));
        assertThat(script.body()).contains("new EventSource('events')");
        HttpResponse<String> styles = Http.get(admin("/dashboard.css"));
        assertThat(styles.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/css"));
        assertThat(styles.body()).doesNotContain("@import").doesNotContain("url(");
    }

    @Test
    void eventsStreamSnapshotsThatFollowABackendBeingEjectedAndReadmitted() {
        for (int i = 0; i < 20; i++) {
            Http.expect200(Http.get(balancer.url("/echo")));
        }
        try (EventStream events = EventStream.open(admin("/events"))) {
            assertThat(events.response().statusCode()).isEqualTo(200);
            assertThat(events.response().headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            Await.until("three snapshots", Duration.ofSeconds(15), () -> events.events().size() >= 3);
            JsonNode first = events.events().getFirst();
            JsonNode third = events.events().get(2);
            assertThat(third.get("time").asLong()).isGreaterThan(first.get("time").asLong());
            assertThat(stateIn(third, a)).isEqualTo("healthy");
            assertThat(stateIn(third, b)).isEqualTo("healthy");
            assertThat(backendIn(third, a).get("requests").asLong()
                    + backendIn(third, b).get("requests").asLong()).isGreaterThanOrEqualTo(20);
            assertThat(backendIn(third, a).get("history").get("rps").size()).isBetween(1, 300);
            assertThat(third.get("cluster").get("backends").asInt()).isEqualTo(2);

            b.process().kill();
            Await.until("b ejected in the stream", Duration.ofSeconds(20), () -> "ejected".equals(stateIn(events.latest(), b)));
            assertThat(events.latest().get("cluster").get("available").asInt()).isEqualTo(1);
            b.restart();
            Await.until("b healthy again in the stream", Duration.ofSeconds(30),
                    () -> "healthy".equals(stateIn(events.latest(), b)));
        }
    }

    @Test
    void liveConnectionCountsComeFromEachBackendsMetrics() throws Exception {
        HttpResponse<java.io.InputStream> stream = Http.CLIENT.send(HttpRequest.newBuilder(balancer.url("/sse?count=2"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        BackendProcess serving = stream.headers().firstValue("X-Instance-Id").orElseThrow().equals(a.id()) ? a : b;
        try (EventStream events = EventStream.open(admin("/events"))) {
            Await.until("one open SSE stream counted on " + serving.id(), Duration.ofSeconds(20), () -> {
                JsonNode latest = events.latest();
                return latest != null && backendIn(latest, serving).get("sse").asInt(-1) == 1
                        && latest.get("cluster").get("sse").asInt(-1) == 1;
            });
            serving.control("/control/next");
            stream.body().readAllBytes();
            Await.until("the finished stream no longer counted", Duration.ofSeconds(20),
                    () -> events.latest().get("cluster").get("sse").asInt(-1) == 0);
        }
    }

    @Test
    void dashboardsBeyondTheCapAreRefusedAndAClosedOneFreesItsSlot() {
        List<EventStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < Dashboard.MAX_STREAMS; i++) {
                EventStream stream = EventStream.open(admin("/events"));
                open.add(stream);
                assertThat(stream.response().statusCode()).isEqualTo(200);
            }
            try (EventStream refused = EventStream.open(admin("/events"))) {
                assertThat(refused.response().statusCode()).isEqualTo(503);
                assertThat(refused.response().headers().firstValue("Retry-After")).isPresent();
            }
            assertThat(openStreams()).isEqualTo(Dashboard.MAX_STREAMS);
            open.removeFirst().close();
            Await.until("the closed stream's slot freed", Duration.ofSeconds(15),
                    () -> openStreams() == Dashboard.MAX_STREAMS - 1);
            try (EventStream again = EventStream.open(admin("/events"))) {
                assertThat(again.response().statusCode()).isEqualTo(200);
            }
        } finally {
            open.forEach(EventStream::close);
        }
    }

    private static int openStreams() {
        return Http.get(admin("/metrics")).body().lines().filter(l -> l.startsWith("lb_dashboard_streams "))
                .mapToInt(l -> (int) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    private static URI admin(String path) {
        return URI.create("http://127.0.0.1:" + balancer.adminPort() + path);
    }

    private static JsonNode backendIn(JsonNode snapshot, BackendProcess backend) {
        if (snapshot == null) {
            return null;
        }
        for (JsonNode node : snapshot.get("backends")) {
            if (node.get("url").asText().equals(backend.url().toString())) {
                return node;
            }
        }
        return null;
    }

    private static String stateIn(JsonNode snapshot, BackendProcess backend) {
        JsonNode node = backendIn(snapshot, backend);
        return node == null ? "absent" : node.get("state").asText();
    }
}
