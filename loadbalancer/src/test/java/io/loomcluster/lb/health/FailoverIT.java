package io.loomcluster.lb.health;

import io.loomcluster.client.EventStream;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.SseEvent;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Backends dying, draining and coming back, with a real balancer process in front: a fresh fixture per test. */
class FailoverIT {
    private BalancerFixture lb;
    private BackendProcess a;
    private BackendProcess b;

    @BeforeEach
    void start() {
        lb = BalancerFixture.start("fo", Map.of());
        a = lb.a();
        b = lb.b();
    }

    @AfterEach
    void stop() {
        lb.close();
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
                    Reply response = lb.get("/echo");
                    if (response.status() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(response.describe());
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
        assertThat(lb.balancer().stateOf(a.url())).isEqualTo("ejected");
    }

    @Test
    void killedBackendIsEjectedAndReadmittedWhenItReturns() {
        a.process().kill();
        lb.balancer().awaitState(a.url(), "ejected");
        for (int i = 0; i < 10; i++) {
            assertThat(lb.get("/echo").instanceId()).isEqualTo(b.id());
        }
        a.restart();
        lb.balancer().awaitState(a.url(), "healthy");
        Await.until("a request served by the readmitted backend", Duration.ofSeconds(10),
                () -> a.id().equals(lb.get("/echo").instanceId()));
    }

    @Test
    void drainingBackendGetsNoNewRequestsAndItsInFlightOnesComplete() throws Exception {
        try (EventStream stream = openEventStreamOn(a)) {
            a.control("/control/ready?value=false");
            lb.balancer().awaitState(a.url(), "draining");
            for (int i = 0; i < 10; i++) {
                assertThat(lb.get("/echo").instanceId()).isEqualTo(b.id());
            }
            a.control("/control/next");
            a.control("/control/next");
            List<String> data = new ArrayList<>();
            for (SseEvent event = stream.next(Duration.ofSeconds(20)); !event.isEnd(); event = stream.next(Duration.ofSeconds(20))) {
                data.add(event.data());
            }
            assertThat(data).containsExactly("event 1", "event 2", "event 3");
        }
    }

    @Test
    void postToABackendThatDiesGets502UnlessItCarriesAnIdempotencyKey() throws Exception {
        CompletableFuture<Reply> plain = postHangingOn(a, null);
        a.process().kill();
        Reply failed = plain.get(20, TimeUnit.SECONDS);
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.contentType()).isEqualTo("application/problem+json");
        assertThat(failed.problem()).hasValueSatisfying(p -> assertThat(p.status()).isEqualTo(502));

        a.restart();
        lb.balancer().awaitState(a.url(), "healthy");
        CompletableFuture<Reply> keyed = postHangingOn(a, "key-1");
        a.process().kill();
        Reply retried = keyed.get(20, TimeUnit.SECONDS);
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.instanceId()).isEqualTo(b.id());
        assertThat(retried.json().get("bodyLength").asInt()).isEqualTo(16);
    }

    @Test
    void allBackendsDownGives503ProblemWithRetryAfter() {
        a.process().kill();
        b.process().kill();
        lb.balancer().awaitState(a.url(), "ejected");
        lb.balancer().awaitState(b.url(), "ejected");
        Reply response = lb.get("/echo");
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.header("Retry-After")).matches("\\d+");
        assertThat(response.problem()).hasValueSatisfying(p -> assertThat(p.title()).isEqualTo("Service Unavailable"));
    }

    @Test
    void balancerStoppedWithSigtermFinishesInFlightRequestsFirst() throws Exception {
        CompletableFuture<Reply> inFlight = async(() -> lb.get("/slow?ms=1500"));
        Await.until("the slow request to reach a backend", Duration.ofSeconds(10),
                () -> a.stats().get("requests").asInt() + b.stats().get("requests").asInt() > 0);
        lb.balancer().process().signalTerminate();
        assertThat(inFlight.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(lb.balancer().process().awaitExit(Duration.ofSeconds(20))).isTrue();
    }

    private static CompletableFuture<Reply> async(java.util.function.Supplier<Reply> call) {
        return CompletableFuture.supplyAsync(call, Executors.newVirtualThreadPerTaskExecutor());
    }

    /** Opens event streams until one lands on {@code backend} (round-robin: the first or second). */
    private EventStream openEventStreamOn(BackendProcess backend) throws Exception {
        for (int attempt = 0; attempt < 4; attempt++) {
            EventStream stream = EventStream.open(lb.client(), Request.get("/sse?count=3"));
            if (backend.id().equals(stream.header("X-Instance-Id"))) {
                return stream;
            }
            // Let the stream on the other backend finish rather than leave it open forever.
            try (stream) {
                BackendProcess other = backend == a ? b : a;
                other.control("/control/next");
                other.control("/control/next");
                while (!stream.next(Duration.ofSeconds(20)).isEnd()) {
                    // drained to its end
                }
            }
        }
        throw new AssertionError("no event stream landed on " + backend.id());
    }

    /** Sends POSTs until one hangs on {@code backend} (hang mode on there only); returns its pending answer. */
    private CompletableFuture<Reply> postHangingOn(BackendProcess backend, String idempotencyKey) {
        backend.control("/control/hang?value=true");
        int hangingBefore = backend.stats().get("hanging").asInt();
        for (int attempt = 0; attempt < 4; attempt++) {
            Request request = Request.post("/hang").json("{\"text\":\"hello\"}");
            if (idempotencyKey != null) {
                request.header("Idempotency-Key", idempotencyKey);
            }
            CompletableFuture<Reply> response = async(() -> lb.client().send(request));
            Await.until("the POST to hang on a backend or be answered", Duration.ofSeconds(10),
                    () -> response.isDone() || backend.stats().get("hanging").asInt() > hangingBefore);
            if (!response.isDone()) {
                return response;
            }
        }
        throw new AssertionError("no POST landed on " + backend.id());
    }
}
