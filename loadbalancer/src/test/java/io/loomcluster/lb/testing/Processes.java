package io.loomcluster.lb.testing;

import io.loomcluster.dev.FreePorts;
import io.loomcluster.dev.testing.ManagedProcess;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starts the balancer jar and {@link TestBackend}s as real child processes on loopback. */
public final class Processes {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Path LOGS = Path.of("target", "it-logs");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private Processes() {
    }

    /** A backend on a free port of 127.0.0.1, started and ready. */
    public static BackendProcess backend(String id) {
        return backend(id, "127.0.0.1", FreePorts.pick());
    }

    /** Several backends started side by side (each JVM start takes a while), all ready. */
    public static List<BackendProcess> backends(String... ids) {
        List<BackendProcess> started = java.util.Arrays.stream(ids)
                .map(id -> launch(id, "127.0.0.1", FreePorts.pick())).toList();
        started.forEach(b -> b.process().awaitReady(START_TIMEOUT));
        return started;
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

    /** The balancer jar with the given environment, started; not yet necessarily routing. */
    public static Balancer balancer(String name, Map<String, String> env) {
        int port = FreePorts.pick();
        int adminPort = FreePorts.pick();
        Map<String, String> all = new HashMap<>(Map.of(
                "LB_PORT", Integer.toString(port),
                "LB_ADMIN_PORT", Integer.toString(adminPort),
                "LB_HEALTH_INTERVAL", "200ms",
                "LB_HEALTH_TIMEOUT", "500ms"));
        all.putAll(env);
        String jar = System.getProperty("loom.lb.jar");
        if (jar == null) {
            throw new IllegalStateException("system property loom.lb.jar is not set (run with ./mvnw verify)");
        }
        // Netty's leak detector tracks every buffer in tests; Balancer.close() fails on a reported leak.
        ManagedProcess process = ManagedProcess.javaJar(name, Path.of(jar),
                List.of("-Xmx128m", "-Dio.netty.leakDetection.level=paranoid"), all,
                LOGS.resolve(name + "-" + port + ".log"),
                URI.create("http://127.0.0.1:" + adminPort + "/health/live"));
        process.start().awaitReady(START_TIMEOUT);
        return new Balancer(process, port, adminPort);
    }
}
