package io.loomcluster.app.health;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import static io.loomcluster.testing.TestUsers.metric;
import static org.assertj.core.api.Assertions.assertThat;

class ShutdownIT {
    private final TestCluster cluster = TestCluster.shared();

    @Test
    void sigtermTurnsReadinessOffFirstLetsInFlightRequestsFinishThenExits() throws Exception {
        ManagedProcess instance = cluster.startApp(Map.of("SHUTDOWN_DRAIN_DELAY", "3s"));
        URI url = TestCluster.baseUrl(instance);
        Session client = TestUsers.signUp(url, "draining");
        long room = client.createRoom("drain").id();
        CompletableFuture<Reply> inFlight = CompletableFuture.supplyAsync(
                () -> client.get("/api/rooms/" + room + "/messages?after=0&wait=20"),
                Executors.newVirtualThreadPerTaskExecutor());
        Await.until("the long-poll to be parked", Duration.ofSeconds(10),
                () -> metric(url, "loom_long_polls_waiting") > 0);

        instance.signalTerminate();

        Await.until("readiness to turn 503", Duration.ofSeconds(10),
                () -> TestUsers.at(url).get("/health/ready").status() == 503);
        // Still serving while it drains: a balancer that has not noticed yet loses nothing.
        assertThat(client.post("/api/rooms/" + room + "/messages", Json.object("text", "during drain")).status()).isEqualTo(201);
        Reply finished = inFlight.get();
        assertThat(finished.status()).isEqualTo(200);
        assertThat(instance.awaitExit(Duration.ofSeconds(30))).isTrue();
        assertThat(ManagedProcess.status(url.resolve("/health/live"))).isEqualTo(-1);
        assertThat(new String(java.nio.file.Files.readAllBytes(instance.log()))).contains("shutdown: done");
    }

    @Test
    void aWrongSettingStopsTheProcessWithOneLineNamingIt() throws Exception {
        ManagedProcess bad = ManagedProcess.javaJar("bad-config", java.nio.file.Path.of(System.getProperty("loom.app.jar")),
                java.util.List.of(), Map.of("PORT", "eighty", "DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/x",
                        "REDIS_URL", "redis://127.0.0.1:1"),
                cluster.logDir().resolve("bad-config.log"), URI.create("http://127.0.0.1:1/"));
        bad.start();

        assertThat(bad.awaitExit(Duration.ofSeconds(30))).isTrue();
        String output = java.nio.file.Files.readString(bad.log());
        assertThat(output).contains("configuration error: PORT=eighty is invalid; expected a whole number from 1 to 65535");
        assertThat(output.lines().filter(l -> !l.isBlank()).count()).isEqualTo(1);
    }

    @Test
    void aMissingDatabaseUrlIsNamed() throws Exception {
        ManagedProcess bad = ManagedProcess.javaJar("no-db", java.nio.file.Path.of(System.getProperty("loom.app.jar")),
                java.util.List.of(), Map.of("REDIS_URL", "redis://127.0.0.1:1"),
                cluster.logDir().resolve("no-db.log"), URI.create("http://127.0.0.1:1/"));
        bad.start();

        assertThat(bad.awaitExit(Duration.ofSeconds(30))).isTrue();
        assertThat(java.nio.file.Files.readString(bad.log())).contains("DATABASE_URL is not set");
    }
}
