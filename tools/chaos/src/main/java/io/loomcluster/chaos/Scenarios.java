package io.loomcluster.chaos;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Session;
import io.loomcluster.client.Transport;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The fault scenarios. Each starts its own cluster (three instances behind the balancer), runs the
 * workload through the balancer, injects one fault on the real processes, lets the load go on, stops
 * it, and audits PostgreSQL against what the clients were told.
 */
public final class Scenarios {
    /** How long the load runs around a fault, in completed requests (not wall time, so slow machines are fair). */
    public record Pacing(long warmupRequests, long tailRequests, Duration outage) {
        public static Pacing standard() {
            return new Pacing(150, 600, Duration.ofSeconds(10));
        }
    }

    private final ChaosCluster.Spec spec;
    private final Workload.Shape shape;
    private final Pacing pacing;

    public Scenarios(ChaosCluster.Spec spec, Workload.Shape shape, Pacing pacing) {
        this.spec = spec;
        this.shape = shape;
        this.pacing = pacing;
    }

    public ChaosCluster.Spec spec() {
        return spec;
    }

    /** Every scenario by name, in the order of the table. */
    public Map<String, java.util.function.Supplier<Outcome>> all() {
        Map<String, java.util.function.Supplier<Outcome>> all = new LinkedHashMap<>();
        all.put("kill-9", this::killOneInstance);
        all.put("rolling-restart", this::rollingRestart);
        all.put("redis-outage", this::redisOutage);
        all.put("postgres-outage", this::postgresOutage);
        all.put("hung-backend", this::hungBackend);
        all.put("balancer-restart", this::balancerRestart);
        all.put("overload", this::overload);
        all.put("jobs", this::jobs);
        return all;
    }

    public Outcome killOneInstance() {
        return run("kill -9 one of 3 instances", spec, (cluster, load, notes) -> {
            ManagedProcess victim = cluster.apps().getFirst();
            long start = System.nanoTime();
            victim.kill();
            Await.until(victim.name() + " out of rotation", Duration.ofSeconds(30),
                    () -> !cluster.stateOf(victim).equals("healthy"));
            notes.add("balancer marked it " + cluster.stateOf(victim) + " after " + millisSince(start) + " ms");
        });
    }

    public Outcome rollingRestart() {
        return run("rolling restart of all 3 (SIGTERM)", spec, (cluster, load, notes) -> {
            long start = System.nanoTime();
            for (ManagedProcess app : cluster.apps()) {
                cluster.restart(app);
                cluster.awaitAvailable(cluster.apps().size());
                awaitProgress(load, pacing.warmupRequests() / 2);
            }
            notes.add("3 restarts took " + millisSince(start) / 1000 + " s");
        });
    }

    public Outcome redisOutage() {
        return run("Redis stopped " + pacing.outage().toSeconds() + " s, restarted", spec, (cluster, load, notes) -> {
            cluster.cluster().services().stopRedis();
            hold(load);
            cluster.cluster().services().startRedis();
            long start = System.nanoTime();
            ApiUser probe = probe(cluster, load);
            Await.until("a request needing Redis to succeed", Duration.ofSeconds(60), probe::whoAmI);
            notes.add("first success " + millisSince(start) + " ms after Redis returned");
        });
    }

    public Outcome postgresOutage() {
        return run("PostgreSQL stopped " + pacing.outage().toSeconds() + " s, restarted", spec, (cluster, load, notes) -> {
            cluster.cluster().services().stopPostgres();
            hold(load);
            cluster.cluster().services().startPostgres();
            long start = System.nanoTime();
            ApiUser probe = probe(cluster, load);
            long room = load.rooms().getFirst();
            Await.until("a request needing PostgreSQL to succeed", Duration.ofSeconds(60), () -> probe.readMessages(room, 0));
            notes.add("first success " + millisSince(start) + " ms after PostgreSQL returned");
        });
    }

    public Outcome hungBackend() {
        return run("one instance hangs (SIGSTOP " + pacing.outage().toSeconds() + " s)", spec, (cluster, load, notes) -> {
            ManagedProcess victim = cluster.apps().getFirst();
            long start = System.nanoTime();
            victim.pause();
            try {
                Await.until(victim.name() + " ejected", Duration.ofSeconds(60),
                        () -> cluster.stateOf(victim).equals("ejected"));
                notes.add("ejected after " + millisSince(start) + " ms");
                hold(load);
            } finally {
                victim.resume();
            }
            long resumed = System.nanoTime();
            cluster.awaitAvailable(cluster.apps().size());
            notes.add("readmitted " + millisSince(resumed) + " ms after SIGCONT");
        });
    }

    public Outcome balancerRestart() {
        ChaosCluster.Spec quickStop = spec.withLbEnv(Map.of("LB_SHUTDOWN_TIMEOUT", "5s"));
        List<LiveFollower> followers = new ArrayList<>();
        return run("balancer restarted (SIGTERM, same port)", quickStop, new Fault() {
            @Override
            public void beforeLoad(ChaosCluster cluster, Workload load) {
                Session session = load.anyReader().session();
                followers.add(new LiveFollower(session, load.rooms().get(0), Transport.SSE));
                followers.add(new LiveFollower(session, load.rooms().get(1), Transport.WEBSOCKET));
                Await.until("live followers connected", Duration.ofSeconds(30),
                        () -> followers.stream().allMatch(LiveFollower::isConnected));
            }

            @Override
            public void inject(ChaosCluster cluster, Workload load, List<String> notes) {
                long start = System.nanoTime();
                cluster.restartBalancer(cluster.apps().size());
                notes.add("balancer back after " + millisSince(start) + " ms");
            }

            @Override
            public void afterLoad(ChaosCluster cluster, Workload load, Tally tally, List<String> notes) {
                notes.addAll(checkFollowers(followers, tally, notes).stream().map(v -> "VIOLATION: " + v).toList());
            }
        });
    }

    /** Each follower caught up with every acknowledged message of its room (bounded wait), noted; then closed. */
    static List<String> checkFollowers(List<LiveFollower> followers, Tally tally, List<String> notes) {
        List<String> violations = new ArrayList<>();
        for (LiveFollower f : followers) {
            Set<Long> expected = tally.acknowledgedIn(f.roomId());
            try {
                Await.until(f.transport() + " follower to catch up", Duration.ofSeconds(30),
                        () -> f.received().containsAll(expected));
            } catch (AssertionError e) {
                // reported below as missing messages
            }
            long missing = expected.stream().filter(id -> !f.received().contains(id)).count();
            notes.add(f.transport() + ": " + f.reconnects() + " reconnects, " + expected.size() + " expected, "
                    + missing + " missing, " + f.duplicates() + " duplicates, " + f.outOfOrder() + " out of order");
            if (missing + f.duplicates() + f.outOfOrder() > 0) {
                violations.add(f.transport() + " follower: " + missing + " missing, " + f.duplicates() + " duplicates, "
                        + f.outOfOrder() + " out of order");
            }
            f.close();
        }
        return violations;
    }

    public Outcome overload() {
        return run("overload (1000 clients, no pause)", spec, (cluster, load, notes) -> {
            try (Flood flood = new Flood(cluster, load, 1000, Duration.ofSeconds(10))) {
                Flood.Result r = flood.run();
                notes.add("flood: " + r.requests() + " requests, " + r.ok() + " ok, " + r.unavailable() + " fast 503 (Retry-After on "
                        + r.withRetryAfter() + "), " + r.timedOut() + " timed out (10 s), " + r.other() + " other; slowest 503 "
                        + r.slowest503Millis() + " ms");
                notes.add("max RSS: instances " + r.maxAppRssMib() + " MiB, balancer " + r.maxLbRssMib() + " MiB");
            }
            long start = System.nanoTime();
            ApiUser probe = probe(cluster, load);
            Await.until("a normal request to succeed after the flood", Duration.ofSeconds(60),
                    () -> probe.readMessages(load.rooms().getFirst(), 0));
            notes.add("normal service " + millisSince(start) + " ms after the flood ended");
        });
    }

    /**
     * Background jobs under faults: 3 API instances (no jobs), 2 worker processes, posts that each
     * mention 2 members, a signed webhook per room; kill -9 of a worker, then of an API instance.
     */
    public Outcome jobs() {
        int mentions = 2;
        Map<String, String> env = new HashMap<>(JobsFault.JOB_ENV);
        env.put("ROLE", "api,streams");
        JobsFault fault = new JobsFault(mentions, pacing.warmupRequests() / 2);
        return run("jobs: kill -9 a worker, then an API instance", spec.withAppEnv(env), shape.withMentions(mentions), fault,
                fault::violations);
    }

    // ---- the common frame

    public Outcome run(String name, ChaosCluster.Spec clusterSpec, Fault fault) {
        return run(name, clusterSpec, shape, fault, List::of);
    }

    Outcome run(String name, ChaosCluster.Spec clusterSpec, Workload.Shape loadShape, Fault fault,
                Supplier<List<String>> violations) {
        try (ChaosCluster cluster = ChaosCluster.start(clusterSpec)) {
            return runOn(cluster, name, loadShape, fault, violations);
        }
    }

    /** One scenario on a running cluster (which the fault must leave serving as it found it). */
    Outcome runOn(ChaosCluster cluster, String name, Workload.Shape loadShape, Fault fault,
                  Supplier<List<String>> violations) {
        try (Workload load = Workload.prepare(cluster.url(), loadShape)) {
            List<String> notes = new ArrayList<>();
            fault.beforeLoad(cluster, load);
            load.start();
            awaitProgress(load, pacing.warmupRequests());
            fault.inject(cluster, load, notes);
            awaitProgress(load, pacing.tailRequests());
            Tally tally = load.stop();
            fault.afterLoad(cluster, load, tally, notes);
            MessageAudit audit = MessageAudit.of(cluster.jdbcUrl(), load.textPrefix(), tally.acknowledged());
            if (!tally.failures().isEmpty()) {
                notes.add("failures: " + tally.failures());
            }
            return new Outcome(name, tally, audit, notes, List.copyOf(violations.get()));
        } finally {
            fault.cleanUp();
        }
    }

    /** Waits until the clients completed {@code requests} more requests (bounded). */
    public static void awaitProgress(Workload load, long requests) {
        long target = load.tally().requests() + requests;
        Await.until(requests + " more requests", Duration.ofMinutes(2), () -> load.tally().requests() >= target);
    }

    /** Keeps the fault in place: for the outage time, or (outage zero) until clients retried 20 more answers. */
    private void hold(Workload load) {
        if (pacing.outage().isZero()) {
            long target = load.tally().retriedAnswers() + 20;
            Await.until("clients to meet the fault", Duration.ofMinutes(1), () -> load.tally().retriedAnswers() >= target);
            return;
        }
        long deadline = System.nanoTime() + pacing.outage().toNanos();
        Await.until("the outage to last " + pacing.outage(), pacing.outage().plusSeconds(5),
                () -> System.nanoTime() >= deadline);
    }

    /** A fresh client for recovery checks: one attempt per check, no retries. */
    public static ApiUser probe(ChaosCluster cluster, Workload load) {
        ApiUser template = load.writer(0);
        ApiUser probe = new ApiUser(LoomClient.builder(cluster.url()).http(load.client().http())
                .timeout(Duration.ofSeconds(2)).build(), new Tally(), Duration.ZERO);
        probe.adopt(template);
        return probe;
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    static Function<Outcome, String> summary() {
        return o -> o.scenario() + ": " + o.tally().requests() + " requests, " + o.tally().failed() + " failed";
    }
}
