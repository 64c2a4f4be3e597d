package io.loomcluster.lb.health;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.BalancerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Idempotent requests try other backends (LB_RETRIES); when none is left the answer says so with a 503. */
class RetryIT {
    private List<BackendProcess> backends;
    private BalancerProcess balancer;

    @BeforeEach
    void start() {
        backends = BalancerFixture.backends("rt-a", "rt-b", "rt-c");
        balancer = balancerInFront("rt-lb", Map.of());
    }

    @AfterEach
    void stop() {
        balancer.close();
        backends.forEach(BackendProcess::close);
    }

    @Test
    void aGetWhoseBackendsAllDieIsTriedOnEachThenAnswered503WithRetryAfterNot502() throws Exception {
        backends.forEach(b -> b.control("/control/hang?value=true"));
        CompletableFuture<Reply> get = sendInBackground(balancer, Request.get("/hang"));
        List<BackendProcess> alive = new ArrayList<>(backends);
        for (int attempt = 1; attempt <= 3; attempt++) {
            BackendProcess holding = awaitHolder(alive, attempt);
            holding.process().kill();
            alive.remove(holding);
        }

        Reply response = get.get(20, TimeUnit.SECONDS);

        assertThat(response.status()).as(response.describe()).isEqualTo(503);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.header("Retry-After")).matches("\\d+");
        assertThat(response.json().get("detail").asText())
                .contains("3 attempts failed").contains("closed the connection before answering");
    }

    @Test
    void withNoRetriesConfiguredAGetIsTriedOnce() throws Exception {
        try (BalancerProcess once = balancerInFront("rt-once", Map.of("LB_RETRIES", "0"))) {
            backends.forEach(b -> b.control("/control/hang?value=true"));
            CompletableFuture<Reply> get = sendInBackground(once, Request.get("/hang"));
            awaitHolder(backends, 1).process().kill();

            Reply response = get.get(20, TimeUnit.SECONDS);

            assertThat(response.status()).as(response.describe()).isEqualTo(503);
            assertThat(response.json().get("detail").asText()).contains("1 attempt failed").contains("no retry is left");
            assertThat(backends.stream().mapToInt(b -> b.process().isAlive() ? b.stats().get("hanging").asInt() : 0)
                    .sum()).isZero();
        }
    }

    /** A balancer in front of the three backends, routing to all of them. */
    private BalancerProcess balancerInFront(String name, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("LB_BACKENDS", backends.stream().map(b -> b.url().toString()).collect(Collectors.joining(",")));
        BalancerProcess started = BalancerFixture.balancer(name, env);
        backends.forEach(b -> started.awaitState(b.url(), "healthy"));
        return started;
    }

    /** Sends once, on its own thread, so that the test can kill backends while the request waits. */
    private static CompletableFuture<Reply> sendInBackground(BalancerProcess to, Request request) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (LoomClient client = LoomClient.builder(to.url()).timeout(Duration.ofSeconds(20))
                    .retry(RetryPolicy.NONE).build()) {
                reply.complete(client.send(request));
            }
        });
        return reply;
    }

    /** The backend among {@code alive} on which the request now hangs (each gets it at most once). */
    private static BackendProcess awaitHolder(List<BackendProcess> alive, int attempt) {
        BackendProcess[] found = new BackendProcess[1];
        Await.until("attempt " + attempt + " to hang on a backend", Duration.ofSeconds(15), () -> {
            for (BackendProcess b : alive) {
                if (b.stats().get("hanging").asInt() > 0) {
                    found[0] = b;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }
}
