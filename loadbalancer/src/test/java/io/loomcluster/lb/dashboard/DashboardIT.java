package io.loomcluster.lb.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.SseEvent;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard over plain HTTP: the page and its policy, and the snapshots on /events. */
class DashboardIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final BalancerFixture lb = BalancerFixture.shared();
    private static final BackendProcess a = lb.a();
    private static final BackendProcess b = lb.b();

    @BeforeAll
    static void bothBackendsRouted() {
        lb.awaitHealthy();
    }

    /** The balancer is shared by the run: what this class sent must not have leaked a buffer. */
    @AfterAll
    static void noBufferLeaked() {
        lb.balancer().assertNoLeaks();
    }

    /** A closed dashboard's stream is noticed at the server's next write and frees its slot. */
    @AfterEach
    void everyStreamClosedByATestIsReleased() {
        Await.until("no dashboard streams open", Duration.ofSeconds(15), () -> openStreams() == 0);
    }

    @Test
    void pageIsServedWithAStrictContentSecurityPolicyAndLoadsOnlyItsOwnFiles() {
        Reply page = admin("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).startsWith("default-src 'self'").doesNotContain("unsafe");
        assertThat(page.body())
                .contains("<meta name=\"viewport\"")
                .contains("<script src=\"dashboard.js\"")
                .contains("href=\"dashboard.css\"")
                .doesNotContainPattern("<script(?![^>]*\\bsrc=)")
                .doesNotContainPattern("(src|href)=\"(https?:)?//")
                .doesNotContain("style=\"");

        Reply script = admin("/dashboard.js");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).startsWith("text/javascript");
        assertThat(script.body()).contains("new EventSource('events')");
        Reply styles = admin("/dashboard.css");
        assertThat(styles.contentType()).startsWith("text/css");
        assertThat(styles.body()).doesNotContain("@import").doesNotContain("url(");
    }

    @Test
    void eventsStreamSnapshotsThatFollowABackendBeingEjectedAndReadmitted() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertThat(lb.get("/echo").status()).isEqualTo(200);
        }
        try (EventStream events = openEvents()) {
            assertThat(events.status()).isEqualTo(200);
            assertThat(events.header("Content-Type")).startsWith("text/event-stream");
            JsonNode first = snapshot(events.next(WAIT));
            events.next(WAIT);
            JsonNode third = snapshot(events.next(WAIT));
            assertThat(third.get("time").asLong()).isGreaterThan(first.get("time").asLong());
            assertThat(stateIn(third, a)).isEqualTo("healthy");
            assertThat(stateIn(third, b)).isEqualTo("healthy");
            assertThat(backendIn(third, a).get("requests").asLong()
                    + backendIn(third, b).get("requests").asLong()).isGreaterThanOrEqualTo(20);
            assertThat(backendIn(third, a).get("history").get("rps").size()).isBetween(1, 300);
            assertThat(third.get("cluster").get("backends").asInt()).isEqualTo(2);

            b.process().kill();
            Await.until("b ejected in the stream", Duration.ofSeconds(20), () -> "ejected".equals(stateIn(latest(events), b)));
            assertThat(latest(events).get("cluster").get("available").asInt()).isEqualTo(1);
            b.restart();
            Await.until("b healthy again in the stream", Duration.ofSeconds(30),
                    () -> "healthy".equals(stateIn(latest(events), b)));
        }
    }

    @Test
    void withoutRoutesOnePoolNamedDefaultHoldsEveryBackendAndWithoutRedisTheJobsPanelSaysWhy() throws Exception {
        try (EventStream events = openEvents()) {
            JsonNode snapshot = snapshot(events.next(WAIT));
            JsonNode pools = snapshot.get("pools");
            assertThat(pools).hasSize(1);
            assertThat(pools.get(0).get("name").asText()).isEqualTo("default");
            assertThat(pools.get(0).get("rules").get(0).asText()).isEqualTo("/");
            assertThat(pools.get(0).get("backends").asInt()).isEqualTo(2);
            assertThat(pools.get(0).get("healthPath").asText()).isEqualTo("/health/ready");
            assertThat(backendIn(snapshot, a).get("pool").asText()).isEqualTo("default");
            assertThat(backendIn(snapshot, b).get("pool").asText()).isEqualTo("default");

            assertThat(snapshot.get("failures").isObject()).as("the balancer's own answers by cause").isTrue();
            JsonNode jobs = snapshot.get("jobs");
            assertThat(jobs.get("reason").asText()).contains("no Redis configured").contains("REDIS_URL");
            assertThat(jobs.get("queues")).isEmpty();
        }
    }

    @Test
    void liveConnectionCountsComeFromEachBackendsMetrics() throws Exception {
        try (EventStream stream = EventStream.open(lb.client(), Request.get("/sse?count=2"));
             EventStream events = openEvents()) {
            BackendProcess serving = lb.backend(stream.header("X-Instance-Id"));
            Await.until("one open SSE stream counted on " + serving.id(), Duration.ofSeconds(20), () -> {
                JsonNode latest = latest(events);
                return latest != null && backendIn(latest, serving).get("sse").asInt(-1) == 1
                        && latest.get("cluster").get("sse").asInt(-1) == 1;
            });
            serving.control("/control/next");
            while (!stream.next(WAIT).isEnd()) {
                // read to the end of the stream
            }
            Await.until("the finished stream no longer counted", Duration.ofSeconds(20),
                    () -> latest(events).get("cluster").get("sse").asInt(-1) == 0);
        }
    }

    @Test
    void dashboardsBeyondTheCapAreRefusedAndAClosedOneFreesItsSlot() {
        List<EventStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < Dashboard.MAX_STREAMS; i++) {
                EventStream stream = openEvents();
                open.add(stream);
                assertThat(stream.status()).isEqualTo(200);
            }
            try (EventStream refused = openEvents()) {
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Retry-After")).isNotNull();
            }
            assertThat(openStreams()).isEqualTo(Dashboard.MAX_STREAMS);
            open.removeFirst().close();
            Await.until("the closed stream's slot freed", Duration.ofSeconds(15),
                    () -> openStreams() == Dashboard.MAX_STREAMS - 1);
            try (EventStream again = openEvents()) {
                assertThat(again.status()).isEqualTo(200);
            }
        } finally {
            open.forEach(EventStream::close);
        }
    }

    private static EventStream openEvents() {
        return EventStream.open(lb.balancer().admin(), Request.get("/events"));
    }

    private static JsonNode snapshot(SseEvent event) {
        return Json.tree(event.data());
    }

    /** The newest snapshot the stream has read, or null before the first. */
    private static JsonNode latest(EventStream events) {
        SseEvent event = events.latest();
        return event == null ? null : snapshot(event);
    }

    private static int openStreams() {
        return admin("/metrics").body().lines().filter(l -> l.startsWith("lb_dashboard_streams "))
                .mapToInt(l -> (int) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    private static Reply admin(String path) {
        return lb.balancer().admin().send(Request.get(path));
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
