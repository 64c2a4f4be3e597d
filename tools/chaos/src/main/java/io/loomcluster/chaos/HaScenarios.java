package io.loomcluster.chaos;

import io.loomcluster.client.Session;
import io.loomcluster.client.Transport;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.ha.HaServices;
import io.loomcluster.testing.ha.NetworkCuts;
import io.loomcluster.testing.ha.RedisSentinelGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The fault scenarios of replicated services ({@link HaServices}): kill -9 of the Redis master
 * (Sentinel promotes the replica), kill -9 of the PostgreSQL primary (the standby is promoted), and
 * network partitions cut with iptables between single processes, each healed and repeated under
 * steady writes and live subscribers.
 *
 * <p>They share one cluster (replicated services, three API instances, the balancer), started by
 * the first scenario and stopped by {@link #close()}: each scenario leaves it serving as it found
 * it (the killed Redis master back as a replica, the lost PostgreSQL primary back as a standby,
 * every cut healed), and each begins by checking that it does.
 */
public final class HaScenarios implements AutoCloseable {
    private static final Duration HEALTHY_TIMEOUT = Duration.ofSeconds(60);

    private final Scenarios scenarios;
    private final ChaosCluster.Spec spec;
    private final Scenarios.Pacing pacing;
    private final Workload.Shape shape;
    private ChaosCluster shared;

    public HaScenarios(ChaosCluster.Spec spec, Workload.Shape shape, Scenarios.Pacing pacing) {
        // API instances only: the jobs of the Redis fail-over run on workers of their own.
        Map<String, String> env = new HashMap<>(JobsFault.JOB_ENV);
        env.put("ROLE", "api,streams");
        this.spec = spec.replicated().withAppEnv(env);
        this.pacing = pacing;
        this.shape = shape;
        this.scenarios = new Scenarios(this.spec, shape, pacing);
    }

    /** The shared cluster: started on first use, then checked to serve as at the start. */
    private ChaosCluster cluster() {
        if (shared == null) {
            shared = ChaosCluster.start(spec);
            return shared;
        }
        ChaosCluster cluster = shared;
        cluster.cluster().ha().awaitHealthy(HEALTHY_TIMEOUT);
        for (ManagedProcess app : cluster.apps()) {
            app.awaitReady(HEALTHY_TIMEOUT);
        }
        cluster.awaitAvailable(cluster.apps().size());
        return cluster;
    }

    /** Stops the shared cluster, services included. */
    @Override
    public void close() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    public Map<String, Supplier<Outcome>> all() {
        Map<String, Supplier<Outcome>> all = new LinkedHashMap<>();
        all.put("redis-failover", this::redisFailover);
        all.put("postgres-failover", this::postgresFailover);
        all.put("partitions", this::partitions);
        return all;
    }

    /**
     * kill -9 of the Redis master under load with background jobs (posts mentioning members, a
     * webhook per room, two workers): Sentinel promotes the replica; the killed master is restarted
     * and rejoins as a replica. Audited like the jobs scenario: every job's effect exactly once.
     */
    public Outcome redisFailover() {
        int mentions = 2;
        JobsFault fault = new JobsFault(mentions, pacing.warmupRequests() / 2, (cluster, load, notes) -> {
            RedisSentinelGroup redis = cluster.cluster().ha().redis();
            Probe probe = Probe.of(cluster, load);
            long start = System.nanoTime();
            RedisSentinelGroup.Node old = redis.killMaster();
            RedisSentinelGroup.Node promoted = redis.awaitFailover(old, Duration.ofSeconds(60));
            notes.add("Sentinel promoted " + promoted.address() + " " + Scenarios.millisSince(start) + " ms after kill -9 of "
                    + old.address());
            long firstWrite = probe.awaitWrite();
            notes.add("first successful post " + (firstWrite - start) / 1_000_000 + " ms after the kill");
            Scenarios.awaitProgress(load, pacing.warmupRequests() / 2);
            long restart = System.nanoTime();
            redis.restart(old);
            Await.until(old.address() + " to rejoin as a replica", Duration.ofSeconds(60),
                    () -> RedisSentinelGroup.cli(old, "INFO", "replication").contains("master_link_status:up"));
            notes.add("the old master rejoined as a replica " + Scenarios.millisSince(restart) + " ms after its restart");
        });
        return scenarios.runOn(cluster(), "kill -9 the Redis master (Sentinel fail-over), with jobs",
                shape.withMentions(mentions), fault, fault::violations);
    }

    /**
     * kill -9 of the PostgreSQL primary (postmaster and backends) under load; the standby is promoted
     * at once (what an operator or a fail-over manager does); the instances find it through the
     * multi-host URL. The standby is synchronous: no acknowledged post may be missing from it. The
     * lost primary then comes back as a standby of the new one, under the same load.
     */
    public Outcome postgresFailover() {
        Fault fault = (cluster, load, notes) -> {
            var postgres = cluster.cluster().ha().postgres();
            Probe probe = Probe.of(cluster, load);
            long start = System.nanoTime();
            postgres.killPrimary();
            long promote = System.nanoTime();
            postgres.promoteStandby();
            notes.add("promotion took " + Scenarios.millisSince(promote) + " ms");
            long firstWrite = probe.awaitWrite();
            notes.add("first successful post " + (firstWrite - start) / 1_000_000 + " ms after the kill");
            long rebuild = System.nanoTime();
            postgres.rebuildStandby();
            notes.add("the lost primary streamed again as a synchronous standby " + Scenarios.millisSince(rebuild)
                    + " ms after its rebuild began");
        };
        return scenarios.runOn(cluster(), "kill -9 the PostgreSQL primary, standby promoted", shape, fault, List::of);
    }

    /**
     * Partitions, each held until its effect is seen, then healed and waited out: one instance cut
     * from Redis, another from PostgreSQL, the balancer from a third both ways, then one way only
     * (requests arrive, answers do not), then the balancer from Redis. SSE and WebSocket followers
     * must end with every acknowledged message of their room once, in order.
     */
    public Outcome partitions() {
        List<LiveFollower> followers = new ArrayList<>();
        NetworkCuts[] cuts = new NetworkCuts[1];
        List<String> violations = new ArrayList<>();
        return scenarios.runOn(cluster(), "partitions: instance from Redis, instance from PostgreSQL, balancer from instance (both ways, one way), balancer from Redis",
                shape, new Fault() {
                    @Override
                    public void beforeLoad(ChaosCluster cluster, Workload load) {
                        cuts[0] = new NetworkCuts();
                        Session session = load.anyReader().session();
                        followers.add(new LiveFollower(session, load.rooms().get(0), Transport.SSE));
                        followers.add(new LiveFollower(session, load.rooms().get(1), Transport.WEBSOCKET));
                        Await.until("live followers connected", Duration.ofSeconds(30),
                                () -> followers.stream().allMatch(LiveFollower::isConnected));
                    }

                    @Override
                    public void inject(ChaosCluster cluster, Workload load, List<String> notes) {
                        partitionRounds(cluster, load, cuts[0], notes);
                    }

                    @Override
                    public void afterLoad(ChaosCluster cluster, Workload load, Tally tally, List<String> notes) {
                        violations.addAll(Scenarios.checkFollowers(followers, tally, notes));
                    }

                    @Override
                    public void cleanUp() {
                        followers.forEach(LiveFollower::close);
                        if (cuts[0] != null) {
                            cuts[0].close();
                        }
                    }
                }, () -> violations);
    }

    private void partitionRounds(ChaosCluster cluster, Workload load, NetworkCuts cuts, List<String> notes) {
        HaServices ha = cluster.cluster().ha();
        List<ManagedProcess> apps = cluster.apps();
        int lb = ChaosCluster.BALANCER_GROUP;

        ManagedProcess a = apps.get(0);
        hold(cluster, load, notes, cuts.processFromHosts(a.name() + " cut from Redis", group(a), ha.redis().hosts()),
                () -> ready(a) == 503, a.name() + " not ready");
        ManagedProcess b = apps.get(1 % apps.size());
        hold(cluster, load, notes, cuts.processFromHosts(b.name() + " cut from PostgreSQL", group(b), ha.postgres().hosts()),
                () -> ready(b) == 503, b.name() + " not ready");
        ManagedProcess c = apps.get(2 % apps.size());
        hold(cluster, load, notes, cuts.processToPort("balancer cut from " + c.name(), lb, port(c)),
                () -> !cluster.stateOf(c).equals("healthy"), c.name() + " ejected");
        hold(cluster, load, notes, cuts.answersFrom("balancer -> " + a.name() + " (answers lost)", group(a), port(a)),
                () -> !cluster.stateOf(a).equals("healthy"), a.name() + " ejected");
        hold(cluster, load, notes, cuts.processFromHosts("balancer cut from Redis", lb, ha.redis().hosts()),
                () -> true, "cut");
    }

    /** Cuts, waits for the effect, lets the load go on, heals, and notes how long full service took to return. */
    private void hold(ChaosCluster cluster, Workload load, List<String> notes, NetworkCuts.Cut cut,
                      java.util.function.BooleanSupplier effect, String effectName) {
        long start = System.nanoTime();
        try {
            Await.until(effectName + " during " + cut, Duration.ofSeconds(60), effect);
            long seen = Scenarios.millisSince(start);
            Scenarios.awaitProgress(load, pacing.warmupRequests() / 2);
            cut.heal();
            long healed = System.nanoTime();
            Await.until("full service after healing " + cut, Duration.ofSeconds(90), () -> cluster.apps().stream()
                    .allMatch(app -> ready(app) == 200) && cluster.balancer().available() == cluster.apps().size());
            notes.add(cut + ": " + effectName + " after " + seen + " ms; full service " + Scenarios.millisSince(healed)
                    + " ms after healing");
        } finally {
            cut.heal();
        }
    }

    private static int group(ManagedProcess app) {
        return TestCluster.groupOf(port(app));
    }

    private static int port(ManagedProcess app) {
        return Integer.parseInt(app.name().substring("app-".length()));
    }

    private static int ready(ManagedProcess app) {
        return ManagedProcess.status(TestCluster.baseUrl(app).resolve("/health/ready"));
    }

    /** A client of its own, with a room without webhooks, that posts until one post is acknowledged. */
    private record Probe(ApiUser user, long room) {
        static Probe of(ChaosCluster cluster, Workload load) {
            ApiUser user = Scenarios.probe(cluster, load);
            return new Probe(user, user.createRoom("probe-" + UUID.randomUUID().toString().substring(0, 8)));
        }

        /** Posts (one attempt each) until one succeeds; returns System.nanoTime() of that answer. */
        long awaitWrite() {
            long[] at = new long[1];
            Await.until("a post to succeed", Duration.ofSeconds(120), () -> {
                boolean ok = user.postMessage(room, UUID.randomUUID().toString(), "probe " + System.nanoTime());
                at[0] = System.nanoTime();
                return ok;
            });
            return at[0];
        }
    }

}
