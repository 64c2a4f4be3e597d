package io.loomcluster.testing;


import io.loomcluster.testing.ha.HaServices;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The integration tests' shared fixture: a real PostgreSQL, a real Redis and app instances as real
 * processes ({@code java -jar app.jar}) on free loopback ports. Started once per test JVM by
 * {@link #shared()} and stopped when the JVM exits.
 */
public final class TestCluster implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final EmbeddedServices services;
    private final HaServices ha;
    private final Path appJar;
    private final Path logDir;
    private final List<ManagedProcess> processes = new CopyOnWriteArrayList<>();
    private final List<ManagedProcess> apps = new CopyOnWriteArrayList<>();

    private TestCluster(EmbeddedServices services, HaServices ha, Path appJar, Path logDir) {
        this.services = services;
        this.ha = ha;
        this.appJar = appJar;
        this.logDir = logDir;
    }

    /** The per-run cluster with two app instances; the first caller starts it. */
    public static TestCluster shared() {
        return Shared.CLUSTER;
    }

    // Lazy holder: the JVM's class initialisation makes the one-time start thread-safe.
    private static final class Shared {
        static final TestCluster CLUSTER = startShared();

        private static TestCluster startShared() {
            TestCluster cluster = start(Path.of(requiredProperty("loom.app.jar")), Path.of("target", "it-logs"));
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "test-cluster-shutdown"));
            cluster.startApps(2);
            return cluster;
        }
    }

    public static TestCluster start(Path appJar, Path logDir) {
        return new TestCluster(EmbeddedServices.start(EmbeddedServices.Options.ephemeral()), null, appJar, logDir);
    }

    /**
     * A cluster on replicated services (Redis Sentinel, a PostgreSQL standby); each instance runs
     * with its own group id (100000 + its port) so that {@code NetworkCuts} can partition it. The
     * cluster owns {@code ha}: {@link #close()} stops it.
     */
    public static TestCluster startHa(Path appJar, Path logDir, HaServices ha) {
        return new TestCluster(null, ha, appJar, logDir);
    }

    /** The group id an instance on {@code port} runs with in a cluster started by {@link #startHa}. */
    public static int groupOf(int port) {
        return 100_000 + port;
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("system property " + name + " is not set (run the tests with ./mvnw verify)");
        }
        return value;
    }

    public void startApps(int count) {
        List<ManagedProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(launchApp(Map.of()));
        }
        started.forEach(p -> p.awaitReady(START_TIMEOUT));
    }

    /** Starts several app instances side by side with extra environment variables; returns them ready. */
    public List<ManagedProcess> startApps(int count, Map<String, String> extraEnv) {
        List<ManagedProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            started.add(launchApp(extraEnv));
        }
        started.forEach(p -> p.awaitReady(START_TIMEOUT));
        return List.copyOf(started);
    }

    /** Starts one more app instance with extra environment variables and waits until it is ready. */
    public ManagedProcess startApp(Map<String, String> extraEnv) {
        return launchApp(extraEnv).awaitReady(START_TIMEOUT);
    }

    private ManagedProcess launchApp(Map<String, String> extraEnv) {
        int port = FreePorts.pick();
        String id = "app-" + port;
        Map<String, String> env = new HashMap<>(appEnv());
        env.put("PORT", Integer.toString(port));
        env.put("INSTANCE_ID", id);
        env.putAll(extraEnv);
        ManagedProcess process = ManagedProcess.javaJar(id, appJar, List.of("-Xmx256m"), env,
                logDir.resolve(id + ".log"), URI.create("http://127.0.0.1:" + port + "/health/ready"));
        if (ha != null) {
            process = process.inGroup(groupOf(port));
        }
        processes.add(process);
        apps.add(process);
        return process.start();
    }

    /**
     * The environment that points an app instance at this cluster's PostgreSQL and Redis, with job
     * retries fast enough for tests and webhooks allowed to reach receivers on 127.0.0.1 (the SSRF
     * guard refuses every other loopback name, {@code localhost} included). Tests post in bursts from
     * one user, so the per-user post limit is raised; {@code WriteLimitIT} tests the limit itself.
     */
    public Map<String, String> appEnv() {
        Map<String, String> env = new HashMap<>(ha != null ? ha.appEnv() : Map.of(
                "DATABASE_URL", services.jdbcUrl(),
                "DATABASE_USER", services.databaseUser(),
                "REDIS_URL", services.redisUrl()));
        env.putAll(Map.of(
                "WEBHOOK_ALLOWED_HOSTS", "127.0.0.1",
                "JOB_RETRY_BASE", "50ms",
                "JOB_RETRY_MAX", "1s",
                "JOB_MAX_ATTEMPTS", "5",
                "JOB_VISIBILITY_TIMEOUT", "15s",
                "OUTBOX_POLL_INTERVAL", "200ms",
                "MESSAGE_RATE_LIMIT", "1000000"));
        return Map.copyOf(env);
    }

    /** Registers a process started elsewhere (the balancer) so that it is stopped with the cluster. */
    public ManagedProcess track(ManagedProcess process) {
        processes.add(process);
        return process;
    }

    public List<ManagedProcess> apps() {
        return List.copyOf(apps);
    }

    /** Base URL of the i-th app instance started by this cluster. */
    public URI appUrl(int index) {
        return baseUrl(apps.get(index));
    }

    public static URI baseUrl(ManagedProcess app) {
        return URI.create("http://127.0.0.1:" + app.name().substring("app-".length()));
    }

    /** The embedded PostgreSQL and Redis (null in a cluster on {@link #ha()} services). */
    public EmbeddedServices services() {
        return services;
    }

    /** The replicated services of a cluster started by {@link #startHa}, else null. */
    public HaServices ha() {
        return ha;
    }

    /** A JDBC URL of the cluster's database (for audits). */
    public String jdbcUrl() {
        return ha != null ? ha.postgres().jdbcUrl() : services.jdbcUrl();
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        // All at once: each instance drains for a couple of seconds, and the test JVM is waiting.
        List<Thread> stopping = new ArrayList<>();
        for (ManagedProcess p : processes) {
            stopping.add(Thread.ofVirtual().start(() -> {
                try {
                    p.close();
                } catch (RuntimeException e) {
                    System.err.println("could not stop " + p.name() + ": " + e);
                }
            }));
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (services != null) {
            services.close();
        }
        if (ha != null) {
            ha.close();
        }
    }
}
