package io.loomcluster.system.scaling;

import io.loomcluster.client.Json;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Message;
import io.loomcluster.client.MessagePage;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.client.Session;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scaling and restarts under traffic, end to end, with the launcher users run: a private cluster
 * from {@code scripts/cluster} takes a paced, bounded stream of GETs and idempotent POSTs through
 * its balancer while it goes from 2 to 4 instances, restarts them one by one and goes down to 1.
 * No request may fail, every instance that is up in a steady phase must serve in it, no stopped one
 * may, and the room must hold exactly the messages whose posts succeeded.
 *
 * <p>A failure is any answer but the expected 2xx, or no answer. A 503 with {@code Retry-After} is
 * the one answer the API documents as "not processed, try again": it is sent again (same request,
 * same {@code Idempotency-Key}) after the time it names, at most twice, and counted as deferred.
 */
class ScaleCheckIT {
    private static final int CLIENTS = 4;
    private static final int RATE_PER_CLIENT = 60; // requests per second
    private static final long MAX_REQUESTS = 100_000;
    private static final int MIN_SERVED = 25; // per ready instance in each steady phase
    private static final Duration STEADY_DEADLINE = Duration.ofSeconds(60);

    private final Map<String, Map<String, LongAdder>> servedByPhase = new ConcurrentHashMap<>();
    private final List<String> phases = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Set<Long> postedIds = ConcurrentHashMap.newKeySet();
    private final AtomicLong sent = new AtomicLong();
    private final LongAdder deferred = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private volatile String phase;
    private volatile boolean stopping;

    @Test
    void scalingAndRollingRestartsUnderTrafficFailNoRequestAndEveryReadyInstanceServes() throws Exception {
        Path root = ClusterScript.root();
        try (ClusterScript cluster = new ClusterScript(root, root.resolve("target/scale-check/cluster"));
             LoomClient client = LoomClient.builder(cluster.balancer()).timeout(Duration.ofSeconds(30))
                     .retry(RetryPolicy.NONE).build()) {
            assertThat(cluster.run("up", "--instances", "2")).as("scripts/cluster up").isZero();
            String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
            List<Session> users = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Session user = client.anonymous();
                user.register("scale_" + suffix + "_" + i, "scale-check-password");
                user.logIn("scale_" + suffix + "_" + i, "scale-check-password");
                users.add(user);
            }
            long room = users.getFirst().createRoom("scale-check").id();
            users.subList(1, CLIENTS).forEach(u -> u.join(room));

            enterPhase("2 instances");
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Session user = users.get(i);
                String keys = suffix + "-" + i + "-";
                clients.add(Thread.ofVirtual().name("client-" + i).start(() -> traffic(user, room, keys)));
            }
            awaitEveryReadyInstanceServed(cluster);
            step(cluster, "scaling 2 -> 4", "4 instances", "scale", "4");
            step(cluster, "restarting one by one", "4 instances, restarted", "restart");
            step(cluster, "scaling 4 -> 1", "1 instance", "scale", "1");
            stopping = true;
            for (Thread t : clients) {
                t.join();
            }
            report();

            Set<Long> stored = storedIds(users.getFirst(), room);
            assertThat(failures).as("failed requests and phases (logs: %s)", cluster.logs()).isEmpty();
            assertThat(stored).as("the room's messages against the successful posts").isEqualTo(new TreeSet<>(postedIds));
        }
    }

    private void step(ClusterScript cluster, String during, String after, String... args) {
        enterPhase(during);
        int exit = cluster.run(args);
        if (exit != 0) {
            failures.add("scripts/cluster " + String.join(" ", args) + " exited with " + exit);
            return;
        }
        enterPhase(after);
        awaitEveryReadyInstanceServed(cluster);
    }

    /** Waits until every instance {@code scripts/cluster status} reports ready has served MIN_SERVED requests in this phase. */
    private void awaitEveryReadyInstanceServed(ClusterScript cluster) {
        Set<String> ready = cluster.readyInstances();
        Map<String, LongAdder> served = servedByPhase.get(phase);
        long deadline = System.nanoTime() + STEADY_DEADLINE.toNanos();
        while (ready.isEmpty() || !ready.stream().allMatch(id -> served.containsKey(id) && served.get(id).sum() >= MIN_SERVED)) {
            if (System.nanoTime() > deadline || sent.get() >= MAX_REQUESTS) {
                failures.add("phase '" + phase + "': ready instances " + ready + " but not each served " + MIN_SERVED
                        + " requests within " + STEADY_DEADLINE.toSeconds() + " s: " + served);
                return;
            }
            // Counting another process's answers: there is nothing to block on.
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        Set<String> strangers = new TreeSet<>(served.keySet());
        strangers.removeAll(ready);
        if (!strangers.isEmpty()) {
            failures.add("phase '" + phase + "': served by " + strangers + ", which are not running");
        }
    }

    private synchronized void enterPhase(String name) {
        servedByPhase.put(name, new ConcurrentHashMap<>());
        phases.add(name);
        phase = name;
        System.out.printf("scale-check: phase '%s'%n", name);
    }

    /** One client: a paced mix of room reads, message reads and idempotent posts until told to stop. */
    private void traffic(Session user, long room, String keyPrefix) {
        long interval = 1_000_000_000L / RATE_PER_CLIENT;
        long next = System.nanoTime();
        long lastPosted = 0;
        for (long n = 0; !stopping && sent.incrementAndGet() <= MAX_REQUESTS; n++) {
            // Pacing, so that the check does not starve the cluster it observes.
            LockSupport.parkNanos(next - System.nanoTime());
            next += interval;
            switch ((int) (n % 3)) {
                case 0 -> counted(call(user, Request.get("/api/rooms/" + room)), 200);
                case 1 -> counted(call(user, Request.get("/api/rooms/" + room + "/messages?limit=20&after="
                        + Math.max(0, lastPosted - 10))), 200);
                default -> {
                    Reply r = counted(call(user, Request.post("/api/rooms/" + room + "/messages")
                            .json(Json.object("text", "message " + n)).header("Idempotency-Key", keyPrefix + n)), 201);
                    if (r != null) {
                        lastPosted = r.as(Message.class).id();
                        postedIds.add(lastPosted);
                        if (r.header("Idempotent-Replayed") != null) {
                            replayed.increment();
                        }
                    }
                }
            }
        }
    }

    /** One request; a 503 with Retry-After (documented as not processed) is sent again after that time, twice at most. */
    private Reply call(Session user, Request request) {
        for (int attempt = 1; ; attempt++) {
            Reply r = user.send(request);
            if (r.status() != 503 || r.retryAfter().isEmpty() || attempt == 3) {
                return r;
            }
            deferred.increment();
            System.out.printf("scale-check: deferred (503, Retry-After %s) %s: %s%n", r.header("Retry-After"), request, r.body());
            // As the server asked.
            LockSupport.parkNanos(r.retryAfter().get().compareTo(Duration.ofSeconds(5)) > 0
                    ? Duration.ofSeconds(5).toNanos() : r.retryAfter().get().toNanos());
        }
    }

    /** Records who served the answer; a status other than expected is a failure (and returns null). */
    private Reply counted(Reply r, int expected) {
        String servedBy = r.instanceId() == null ? "(the balancer)" : r.instanceId();
        servedByPhase.get(phase).computeIfAbsent(servedBy, k -> new LongAdder()).increment();
        if (r.status() == expected) {
            return r;
        }
        failures.add(phase + ": " + r.describe() + " from " + servedBy + " (request " + r.header("X-Request-Id") + ")");
        return null;
    }

    private static Set<Long> storedIds(Session user, long room) {
        Set<Long> stored = new TreeSet<>();
        long after = 0;
        while (true) {
            MessagePage page = user.messages(room, after, 100);
            page.items().forEach(m -> stored.add(m.id()));
            if (page.items().isEmpty()) {
                return stored;
            }
            after = page.items().getLast().id();
        }
    }

    private void report() {
        for (String p : phases) {
            Map<String, Long> byInstance = new TreeMap<>();
            servedByPhase.get(p).forEach((id, n) -> byInstance.put(id, n.sum()));
            long total = byInstance.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("scale-check:   %-24s %6d requests  %s%n", p, total, byInstance);
        }
        System.out.printf("scale-check: %d requests sent, %d deferred (503 Retry-After, retried), %d replayed posts, "
                + "%d failures%n", Math.min(sent.get(), MAX_REQUESTS), deferred.sum(), replayed.sum(), failures.size());
        failures.stream().limit(20).forEach(f -> System.out.println("scale-check: FAILED " + f));
    }
}
