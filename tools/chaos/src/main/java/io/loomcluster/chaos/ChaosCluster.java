package io.loomcluster.chaos;

import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.ha.HaServices;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One cluster per scenario: embedded PostgreSQL and Redis, app instances as real processes, and
 * the balancer jar in front of them (discovering the instances through Redis). Everything runs on
 * free loopback ports and stops with {@link #close()}.
 */
public final class ChaosCluster implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    /** What to start: jars, where logs go, and extra environment for the instances and the balancer. */
    public record Spec(Path appJar, Path lbJar, Path logDir, int instances, Map<String, String> appEnv,
                       Map<String, String> lbEnv, boolean ha) {
        public static Spec fromSystemProperties(Path logDir, int instances) {
            return new Spec(Path.of(required("loom.app.jar")), Path.of(required("loom.lb.jar")), logDir, instances,
                    Map.of(), Map.of(), false);
        }

        public Spec withAppEnv(Map<String, String> env) {
            Map<String, String> merged = new HashMap<>(appEnv);
            merged.putAll(env);
            return new Spec(appJar, lbJar, logDir, instances, merged, lbEnv, ha);
        }

        public Spec withLbEnv(Map<String, String> env) {
            Map<String, String> merged = new HashMap<>(lbEnv);
            merged.putAll(env);
            return new Spec(appJar, lbJar, logDir, instances, appEnv, merged, ha);
        }

        /**
         * On replicated services ({@link HaServices}: Redis Sentinel, a PostgreSQL standby), each
         * process with its own group id so that {@link io.loomcluster.testing.ha.NetworkCuts} can cut it off.
         */
        public Spec replicated() {
            return new Spec(appJar, lbJar, logDir, instances, appEnv, lbEnv, true);
        }

        private static String required(String name) {
            String value = System.getProperty(name);
            if (value == null) {
                throw new IllegalStateException("system property " + name + " is not set");
            }
            return value;
        }
    }

    private final TestCluster cluster;
    private final List<ManagedProcess> apps;
    private final BalancerProcess balancer;

    private ChaosCluster(TestCluster cluster, List<ManagedProcess> apps, BalancerProcess balancer) {
        this.cluster = cluster;
        this.apps = apps;
        this.balancer = balancer;
    }

    /** The group id the balancer runs with in a replicated cluster. */
    public static final int BALANCER_GROUP = 99_999;
    /** How long the sentinels of a replicated cluster wait before calling a silent master down. */
    public static final Duration SENTINEL_DOWN_AFTER = Duration.ofSeconds(1);

    public static ChaosCluster start(Spec spec) {
        TestCluster cluster;
        if (spec.ha()) {
            String missing = HaServices.unavailableBecause();
            if (missing != null) {
                throw new IllegalStateException(missing);
            }
            cluster = TestCluster.startHa(spec.appJar(), spec.logDir(), HaServices.start(spec.logDir().resolve("services"),
                    SENTINEL_DOWN_AFTER));
        } else {
            cluster = TestCluster.start(spec.appJar(), spec.logDir());
        }
        try {
            Map<String, String> appEnv = new HashMap<>(Map.of(
                    // Fast password hashing: the scenarios log in many users, and bcrypt is not what they test.
                    "BCRYPT_COST", "4",
                    // The scenarios register their users through the balancer, all from one address.
                    "REGISTRATION_LIMIT_PER_ADDRESS", "1000000",
                    "SHUTDOWN_DRAIN_DELAY", "2s"));
            appEnv.putAll(spec.appEnv());
            List<ManagedProcess> apps = cluster.startApps(spec.instances(), appEnv);
            Map<String, String> lbEnv = new HashMap<>(Map.of(
                    "LB_DISCOVERY", "redis",
                    "LB_HEALTH_INTERVAL", "1s"));
            lbEnv.putAll(spec.ha() ? cluster.ha().redisEnv() : Map.of("REDIS_URL", cluster.services().redisUrl()));
            lbEnv.putAll(spec.lbEnv());
            BalancerProcess balancer = BalancerProcess.start("loadbalancer", spec.lbJar(), lbEnv, spec.logDir(),
                    spec.ha() ? BALANCER_GROUP : -1);
            cluster.track(balancer.process());
            ChaosCluster chaos = new ChaosCluster(cluster, apps, balancer);
            chaos.awaitAvailable(spec.instances());
            return chaos;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    public URI url() {
        return balancer.url();
    }

    public int lbPort() {
        return balancer.port();
    }

    public int adminPort() {
        return balancer.adminPort();
    }

    public List<ManagedProcess> apps() {
        return apps;
    }

    public BalancerProcess balancer() {
        return balancer;
    }

    public TestCluster cluster() {
        return cluster;
    }

    public String jdbcUrl() {
        return cluster.jdbcUrl();
    }

    /** Waits until the balancer routes to {@code count} backends. */
    public void awaitAvailable(int count) {
        balancer.awaitAvailable(count, START_TIMEOUT);
    }

    /** The balancer's state for one instance ("healthy", "ejected", ...), or "absent". */
    public String stateOf(ManagedProcess app) {
        return balancer.stateOf(TestCluster.baseUrl(app));
    }

    /** Graceful restart of one instance on the same port: SIGTERM, wait for exit, start, wait until ready. */
    public void restart(ManagedProcess app) {
        app.terminate(Duration.ofSeconds(40));
        app.start().awaitReady(START_TIMEOUT);
    }

    /** Graceful restart of the balancer on the same ports; returns when it routes to {@code backends} again. */
    public void restartBalancer(int backends) {
        balancer.process().terminate(Duration.ofSeconds(40));
        balancer.process().start().awaitReady(START_TIMEOUT);
        awaitAvailable(backends);
    }

    /** Stops everything; fails when the balancer's leak detector reported a buffer never released. */
    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            balancer.close();
        }
    }
}
