package io.loomcluster.lb.testing;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.FreePorts;
import io.loomcluster.testing.ManagedProcess;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The balancer's integration-test fixture: two {@link TestBackend}s ({@code a} and {@code b}) and
 * the balancer jar in front of them, as real processes on loopback. {@link #shared()} is started
 * once per test run for the tests that leave it as they found it; tests that stop the balancer or
 * need other settings start their own with {@link #start}.
 */
public final class BalancerFixture implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** The shared balancer's limits: small, so that tests reach them cheaply. */
    public static final Map<String, String> SHARED_SETTINGS = Map.of(
            "LB_REQUEST_TIMEOUT", "1500ms",
            "LB_MAX_BODY_BYTES", "4KiB",
            "LB_MAX_HEADER_BYTES", "4KiB");
    static final Path LOGS = Path.of("target", "it-logs");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private final BackendProcess a;
    private final BackendProcess b;
    private final BalancerProcess balancer;
    private final LoomClient client;

    private BalancerFixture(BackendProcess a, BackendProcess b, BalancerProcess balancer) {
        this.a = a;
        this.b = b;
        this.balancer = balancer;
        this.client = LoomClient.builder(balancer.url()).timeout(Duration.ofSeconds(20)).retry(RetryPolicy.NONE).build();
    }

    /** The fixture shared by a test run; stopped when the JVM exits. */
    public static BalancerFixture shared() {
        return Shared.FIXTURE;
    }

    private static final class Shared {
        static final BalancerFixture FIXTURE = startShared();

        private static BalancerFixture startShared() {
            BalancerFixture fixture = start("shared", SHARED_SETTINGS);
            Runtime.getRuntime().addShutdownHook(new Thread(fixture::close, "balancer-fixture-shutdown"));
            return fixture;
        }
    }

    /** Backends {@code name-a} and {@code name-b} and a balancer in front of them, both healthy in it. */
    public static BalancerFixture start(String name, Map<String, String> settings) {
        List<BackendProcess> backends = backends(name + "-a", name + "-b");
        Map<String, String> env = new HashMap<>(Map.of(
                "LB_BACKENDS", backends.get(0).url() + "," + backends.get(1).url(),
                "LB_HEALTH_INTERVAL", "200ms",
                "LB_HEALTH_TIMEOUT", "500ms"));
        env.putAll(settings);
        BalancerProcess balancer = null;
        try {
            balancer = BalancerProcess.start(name + "-lb", env, LOGS);
            BalancerFixture fixture = new BalancerFixture(backends.get(0), backends.get(1), balancer);
            fixture.awaitHealthy();
            return fixture;
        } catch (RuntimeException | Error e) {
            // Nobody else holds these yet: a failed start must not leave the processes running.
            if (balancer != null) {
                balancer.close();
            }
            backends.forEach(BackendProcess::close);
            throw e;
        }
    }

    /** A balancer with the given settings (and the test defaults for health checks), not yet routing. */
    public static BalancerProcess balancer(String name, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(Map.of("LB_HEALTH_INTERVAL", "200ms", "LB_HEALTH_TIMEOUT", "500ms"));
        env.putAll(settings);
        return BalancerProcess.start(name, env, LOGS);
    }

    /** Several backends started side by side (each JVM start takes a while), all ready. */
    public static List<BackendProcess> backends(String... ids) {
        List<BackendProcess> started = Arrays.stream(ids).map(id -> launch(id, "127.0.0.1", FreePorts.pick())).toList();
        started.forEach(backend -> backend.process().awaitReady(START_TIMEOUT));
        return started;
    }

    /** Ends what a test class started on its own (either may be null when start-up failed): the balancer first, checked for leaks. */
    public static void stop(BalancerProcess balancer, List<BackendProcess> backends) {
        if (balancer != null) {
            balancer.assertNoLeaks();
            balancer.close();
        }
        if (backends != null) {
            backends.forEach(BackendProcess::close);
        }
    }

    public static BackendProcess backend(String id, String bind, int port) {
        BackendProcess backend = launch(id, bind, port);
        backend.process().awaitReady(START_TIMEOUT);
        return backend;
    }

    private static BackendProcess launch(String id, String bind, int port) {
        ManagedProcess process = new ManagedProcess(id,
                List.of(JAVA, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        TestBackend.class.getName()),
                Map.of("PORT", Integer.toString(port), "INSTANCE_ID", id, "BIND", bind),
                LOGS.resolve(id + "-" + port + ".log"), URI.create("http://" + bind + ":" + port + "/health/live"));
        process.start();
        return new BackendProcess(id, process, URI.create("http://" + bind + ":" + port));
    }

    public BackendProcess a() {
        return a;
    }

    public BackendProcess b() {
        return b;
    }

    /** The backend with this id. */
    public BackendProcess backend(String id) {
        return a.id().equals(id) ? a : b.id().equals(id) ? b : null;
    }

    public BalancerProcess balancer() {
        return balancer;
    }

    /** A client of the balancer's public port: each call sent once. */
    public LoomClient client() {
        return client;
    }

    public Reply get(String pathAndQuery) {
        return client.send(Request.get(pathAndQuery));
    }

    /** Waits until the balancer routes to both backends again (after a test killed or drained one). */
    public void awaitHealthy() {
        balancer.awaitState(a.url(), "healthy");
        balancer.awaitState(b.url(), "healthy");
    }

    @Override
    public void close() {
        client.close();
        balancer.close();
        a.close();
        b.close();
    }
}
