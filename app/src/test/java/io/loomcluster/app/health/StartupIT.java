package io.loomcluster.app.health;

import io.loomcluster.testing.FreePorts;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StartupIT {
    private final TestCluster cluster = TestCluster.shared();

    @Test
    void anUnreachableDatabaseIsWaitedForUntilTheStartupTimeoutThenTheProcessExits() throws Exception {
        int nothingListens = FreePorts.pick();
        ManagedProcess app = ManagedProcess.javaJar("no-postgres", Path.of(System.getProperty("loom.app.jar")), List.of(),
                Map.of("PORT", Integer.toString(FreePorts.pick()),
                        "DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + nothingListens + "/postgres",
                        "REDIS_URL", cluster.services().redisUrl(),
                        // Short attempts and a long window: several retries fit even when a loaded
                        // machine slows the JVM's start, so the count below does not depend on timing.
                        "DATABASE_CONNECT_TIMEOUT", "500ms",
                        "STARTUP_TIMEOUT", "12s"),
                cluster.logDir().resolve("no-postgres.log"), URI.create("http://127.0.0.1:1/"));
        app.start();

        assertThat(app.awaitExit(Duration.ofSeconds(60))).isTrue();
        String log = Files.readString(app.log());
        assertThat(log).contains("PostgreSQL not reachable yet");
        assertThat(log.lines().filter(l -> l.contains("PostgreSQL not reachable yet")).count()).isGreaterThan(1);
    }
}
