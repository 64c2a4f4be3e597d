package io.loomcluster.app.health;

import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HealthIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void everyResponseNamesTheInstanceAndCarriesTheRequestId() {
        Session client = TestUsers.at(a);
        Reply withId = client.send(Request.get("/health/live").header("X-Request-Id", "trace-123"));
        Reply withoutId = TestUsers.at(b).get("/api/nowhere");

        assertThat(withId.header("X-Request-Id")).isEqualTo("trace-123");
        assertThat(withId.header("X-Instance-Id")).isEqualTo(cluster.apps().get(0).name());
        assertThat(withoutId.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        assertThat(withoutId.header("X-Instance-Id")).isEqualTo(cluster.apps().get(1).name());
        assertThat(withoutId.json().get("requestId").asText()).isEqualTo(withoutId.header("X-Request-Id"));
    }

    @Test
    void aHostileRequestIdIsReplaced() {
        Session client = TestUsers.at(a);
        Reply response = client.send(Request.get("/health/live")
                .header("X-Request-Id", "evil id with spaces and\ttabs"));

        assertThat(response.header("X-Request-Id")).matches("[0-9a-f-]{36}");
    }

    /** The shared rule (contract's RequestIds), which the balancer applies too: visible ASCII is not enough. */
    @Test
    void aRequestIdWithCharactersOutsideTheSharedRuleIsReplaced() {
        Reply response = TestUsers.at(a).send(Request.get("/api/nowhere").header("X-Request-Id", "k=v;\"quoted\""));

        assertThat(response.header("X-Request-Id")).matches("[0-9a-f-]{36}");
        assertThat(response.json().get("requestId").asText()).isEqualTo(response.header("X-Request-Id"));
    }

    @Test
    void metricsExposeRequestTimersPoolGaugesAndJvmFigures() {
        TestUsers.at(a).get("/health/live");

        String metrics = TestUsers.at(a).get("/metrics").body();

        assertThat(metrics).contains("http_server_requests_seconds_count{");
        assertThat(metrics).contains("route=\"/health/live\"");
        assertThat(metrics).contains("hikaricp_connections_active");
        assertThat(metrics).contains("jvm_memory_used_bytes");
        assertThat(metrics).contains("jvm_threads_live_threads");
        assertThat(metrics).contains("loom_requests_in_flight");
    }

    @Test
    void metricsNamedByNameBracketsAreTheOnlyOnesWritten() {
        Reply reply = TestUsers.at(a).get("/metrics?name%5B%5D=loom_live_connections_sse&name%5B%5D=jvm_threads_live_threads");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("text/plain; version=0.0.4");
        List<String> samples = reply.body().lines().filter(line -> !line.startsWith("#")).toList();
        assertThat(samples).hasSize(2);
        assertThat(samples).anyMatch(line -> line.startsWith("loom_live_connections_sse"));
        assertThat(samples).anyMatch(line -> line.startsWith("jvm_threads_live_threads"));
    }

    @Test
    void readinessTurns503WhenRedisStopsAndRecoversWithoutARestart() {
        ManagedProcess instance = cluster.apps().get(0);
        long pid = instance.pid();
        Session cached = TestUsers.signUp(a, "beforeredis");
        assertThat(cached.get("/api/session").status()).isEqualTo(200);
        assertThat(cached.get("/api/session").status()).isEqualTo(200);
        try {
            cluster.services().stopRedis();

            Await.until("readiness to report Redis down", Duration.ofSeconds(15),
                    () -> TestUsers.at(a).get("/health/ready").status() == 503);
            Reply notReady = TestUsers.at(a).get("/health/ready");
            assertThat(notReady.contentType()).startsWith("application/problem+json");
            assertThat(notReady.json().get("detail").asText()).contains("redis unreachable").doesNotContain("postgres");
            // Requests that need Redis fail fast with 503, not 500 and not a hang.
            Reply login = TestUsers.at(a).login("nobody_here", "whatever password");
            assertThat(login.status()).isEqualTo(503);
            assertThat(login.header("Retry-After")).isNotNull();
            assertThat(TestUsers.at(a).get("/health/live").status()).isEqualTo(200);
            // The instance's cached copy of a session is not served while the invalidations that
            // could end it cannot arrive: the lookup goes to Redis, and fails fast.
            Await.until("the cached session to be looked up in Redis again", Duration.ofSeconds(15),
                    () -> cached.get("/api/session").status() == 503);
        } finally {
            cluster.services().startRedis();
        }

        Await.until("readiness to recover", Duration.ofSeconds(15),
                () -> TestUsers.at(a).get("/health/ready").status() == 200);
        assertThat(instance.pid()).isEqualTo(pid);
        assertThat(instance.isAlive()).isTrue();
        Session client = TestUsers.signUp(a, "afterredis");
        assertThat(client.get("/api/session").status()).isEqualTo(200);
    }
}
