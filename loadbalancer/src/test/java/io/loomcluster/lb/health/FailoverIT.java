package io.loomcluster.lb.health;

import io.loomcluster.testing.Await;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.Balancer;
import io.loomcluster.lb.testing.Http;
import io.loomcluster.lb.testing.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Backends dying, draining and coming back, with a real balancer process in front. */
class FailoverIT {
    private BackendProcess a;
    private BackendProcess b;
    private Balancer balancer;

    @BeforeEach
    void start() {
        var backends = Processes.backends("fo-a", "fo-b");
        a = backends.get(0);
        b = backends.get(1);
        balancer = Processes.balancer("fo-lb", Map.of("LB_BACKENDS", a.url() + "," + b.url()));
        balancer.awaitState(a, "healthy");
        balancer.awaitState(b, "healthy");
    }

    @AfterEach
    void stop() {
        balancer.close();
        a.close();
        b.close();
    }

    @Test
    void killingABackendDuringAStreamOfGetsLosesNone() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    HttpResponse<String> response = Http.get(balancer.url("/echo"));
                    if (response.statusCode() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(response.statusCode() + " " + response.body());
                    }
                }
            }));
        }
        Await.until("100 answers before the kill", Duration.ofSeconds(20), () -> ok.get() >= 100);
        a.process().kill();
        int atKill = ok.get();
        Await.until("300 more answers after the kill", Duration.ofSeconds(30), () -> ok.get() >= atKill + 300);
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
        assertThat(failures).isEmpty();
        assertThat(balancer.stateOf(a)).isEqualTo("ejected");
    }

    @Test
    void killedBackendIsEjectedAndReadmittedWhenItReturns() {
        a.process().kill();
        balancer.awaitState(a, "ejected");
        for (int i = 0; i < 10; i++) {
            assertThat(Http.get(balancer.url("/echo")).headers().firstValue("X-Instance-Id")).hasValue("fo-b");
        }
        a.restart();
        balancer.awaitState(a, "healthy");
        Await.until("a request served by the readmitted backend", Duration.ofSeconds(10),
                () -> Http.get(balancer.url("/echo")).headers().firstValue("X-Instance-Id").orElse("").equals("fo-a"));
    }

    @Test
    void drainingBackendGetsNoNewRequestsAndItsInFlightOnesComplete() throws Exception {
        HttpResponse<InputStream> stream = openEventStreamOn(a);
        a.control("/control/ready?value=false");
        balancer.awaitState(a, "draining");
        for (int i = 0; i < 10; i++) {
            assertThat(Http.get(balancer.url("/echo")).headers().firstValue("X-Instance-Id")).hasValue("fo-b");
        }
        a.control("/control/next");
        a.control("/control/next");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.lines().filter(l -> l.startsWith("data:")).toList())
                    .containsExactly("data: event 1", "data: event 2", "data: event 3");
        }
    }

    @Test
    void postToABackendThatDiesGets502UnlessItCarriesAnIdempotencyKey() throws Exception {
        CompletableFuture<HttpResponse<String>> plain = postHangingOn(a, null);
        a.process().kill();
        HttpResponse<String> failed = plain.get(20, TimeUnit.SECONDS);
        assertThat(failed.statusCode()).isEqualTo(502);
        assertThat(failed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Http.json(failed.body()).get("status").asInt()).isEqualTo(502);

        a.restart();
        balancer.awaitState(a, "healthy");
        CompletableFuture<HttpResponse<String>> keyed = postHangingOn(a, "key-1");
        a.process().kill();
        HttpResponse<String> retried = keyed.get(20, TimeUnit.SECONDS);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.headers().firstValue("X-Instance-Id")).hasValue("fo-b");
        assertThat(Http.json(retried.body()).get("bodyLength").asInt()).isEqualTo(16);
    }

    @Test
    void allBackendsDownGives503ProblemWithRetryAfter() {
        a.process().kill();
        b.process().kill();
        balancer.awaitState(a, "ejected");
        balancer.awaitState(b, "ejected");
        HttpResponse<String> response = Http.get(balancer.url("/echo"));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
        assertThat(Http.json(response.body()).get("title").asText()).isEqualTo("Service Unavailable");
    }

    @Test
    void balancerStoppedWithSigtermFinishesInFlightRequestsFirst() throws Exception {
        CompletableFuture<HttpResponse<String>> inFlight = Http.CLIENT.sendAsync(
                HttpRequest.newBuilder(balancer.url("/slow?ms=1500")).build(), HttpResponse.BodyHandlers.ofString());
        Await.until("the slow request to reach a backend", Duration.ofSeconds(10),
                () -> a.stats().get("requests").asInt() + b.stats().get("requests").asInt() > 0);
        balancer.process().signalTerminate();
        assertThat(inFlight.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(balancer.process().awaitExit(Duration.ofSeconds(20))).isTrue();
    }

    /** Opens event streams until one lands on {@code backend} (round-robin: the first or second). */
    private HttpResponse<InputStream> openEventStreamOn(BackendProcess backend) throws Exception {
        for (int attempt = 0; attempt < 4; attempt++) {
            HttpResponse<InputStream> response = Http.CLIENT.send(HttpRequest.newBuilder(balancer.url("/sse?count=3"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.headers().firstValue("X-Instance-Id").orElse("").equals(backend.id())) {
                return response;
            }
            // Let the stream on the other backend finish rather than leave it open forever.
            BackendProcess other = backend == a ? b : a;
            other.control("/control/next");
            other.control("/control/next");
            response.body().readAllBytes();
        }
        throw new AssertionError("no event stream landed on " + backend.id());
    }

    /** Sends POSTs until one hangs on {@code backend} (hang mode on there only); returns its pending answer. */
    private CompletableFuture<HttpResponse<String>> postHangingOn(BackendProcess backend, String idempotencyKey) {
        backend.control("/control/hang?value=true");
        int hangingBefore = backend.stats().get("hanging").asInt();
        for (int attempt = 0; attempt < 4; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(balancer.url("/hang"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hello\"}"))
                    .header("Content-Type", "application/json");
            if (idempotencyKey != null) {
                request.header("Idempotency-Key", idempotencyKey);
            }
            CompletableFuture<HttpResponse<String>> response = Http.CLIENT.sendAsync(request.build(),
                    HttpResponse.BodyHandlers.ofString());
            Await.until("the POST to hang on a backend or be answered", Duration.ofSeconds(10),
                    () -> response.isDone() || backend.stats().get("hanging").asInt() > hangingBefore);
            if (!response.isDone()) {
                return response;
            }
        }
        throw new AssertionError("no POST landed on " + backend.id());
    }
}
