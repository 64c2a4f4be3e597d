package io.loomcluster.lb.health;

import io.loomcluster.dev.testing.Await;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.Balancer;
import io.loomcluster.lb.testing.Http;
import io.loomcluster.lb.testing.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Idempotent requests try other backends (LB_RETRIES); when none is left the answer says so with a 503. */
class RetryIT {
    private List<BackendProcess> backends;
    private Balancer balancer;

    @BeforeEach
    void start() {
        backends = Processes.backends("rt-a", "rt-b", "rt-c");
        balancer = Processes.balancer("rt-lb", Map.of("LB_BACKENDS",
                backends.stream().map(b -> b.url().toString()).collect(Collectors.joining(","))));
        backends.forEach(b -> balancer.awaitState(b, "healthy"));
    }

    @AfterEach
    void stop() {
        balancer.close();
        backends.forEach(BackendProcess::close);
    }

    @Test
    void aGetWhoseBackendsAllDieIsTriedOnEachThenAnswered503WithRetryAfterNot502() throws Exception {
        backends.forEach(b -> b.control("/control/hang?value=true"));
        CompletableFuture<HttpResponse<String>> get = Http.CLIENT.sendAsync(
                HttpRequest.newBuilder(balancer.url("/hang")).build(), HttpResponse.BodyHandlers.ofString());
        List<BackendProcess> alive = new ArrayList<>(backends);
        for (int attempt = 1; attempt <= 3; attempt++) {
            BackendProcess holding = awaitHolder(alive, attempt);
            holding.process().kill();
            alive.remove(holding);
        }

        HttpResponse<String> response = get.get(20, TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
        assertThat(Http.json(response.body()).get("detail").asText())
                .contains("3 attempts failed").contains("closed the connection before answering");
    }

    @Test
    void withNoRetriesConfiguredAGetIsTriedOnce() throws Exception {
        try (Balancer once = Processes.balancer("rt-once", Map.of("LB_RETRIES", "0", "LB_BACKENDS",
                backends.stream().map(b -> b.url().toString()).collect(Collectors.joining(","))))) {
            backends.forEach(b -> once.awaitState(b, "healthy"));
            backends.forEach(b -> b.control("/control/hang?value=true"));
            CompletableFuture<HttpResponse<String>> get = Http.CLIENT.sendAsync(
                    HttpRequest.newBuilder(once.url("/hang")).build(), HttpResponse.BodyHandlers.ofString());
            awaitHolder(backends, 1).process().kill();

            HttpResponse<String> response = get.get(20, TimeUnit.SECONDS);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Http.json(response.body()).get("detail").asText()).contains("1 attempt failed").contains("no retry is left");
            assertThat(backends.stream().mapToInt(b -> b.process().isAlive() ? b.stats().get("hanging").asInt() : 0)
                    .sum()).isZero();
        }
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
