package io.loomcluster.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The leak scan on a balancer's log (the process itself is not started here). */
class BalancerProcessTest {

    @Test
    void closingFailsWhenNettyReportedALeakedBuffer(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("lb.log");
        Files.write(log, List.of(
                "2026-11-29T10:00:00.000Z [main] INFO  LoadBalancer - listening on 8080",
                "2026-11-29T10:00:01.000Z [epoll-1] ERROR ResourceLeakDetector - LEAK: ByteBuf.release() was not"
                        + " called before it's garbage-collected.",
                "Recent access records:"));
        BalancerProcess balancer = notStarted(log);

        assertThat(balancer.leaks()).singleElement().asString().contains("LEAK: ByteBuf.release()");
        assertThatThrownBy(balancer::close).isInstanceOf(AssertionError.class)
                .hasMessageContaining("the balancer leaked buffers").hasMessageContaining(log.toString());
    }

    @Test
    void aCleanLogClosesQuietly(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("lb.log");
        Files.write(log, List.of("2026-11-29T10:00:00.000Z [main] INFO  LoadBalancer - listening on 8080"));
        BalancerProcess balancer = notStarted(log);

        assertThat(balancer.leaks()).isEmpty();
        balancer.close();
    }

    private static BalancerProcess notStarted(Path log) {
        ManagedProcess process = new ManagedProcess("lb", List.of("true"), Map.of(), log,
                URI.create("http://127.0.0.1:1/health/live"));
        return new BalancerProcess(process, 1, 2);
    }
}
