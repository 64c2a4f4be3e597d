package io.loomcluster.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.dev.FreePorts;
import io.loomcluster.dev.testing.Await;
import io.loomcluster.dev.testing.ManagedProcess;
import io.loomcluster.dev.testing.TestCluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private static final HttpClient ADMIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to start: jars, where logs go, and extra environment for the instances and the balancer. */
    public record Spec(Path appJar, Path lbJar, Path logDir, int instances, Map<String, String> appEnv,
                       Map<String, String> lbEnv) {
        public static Spec fromSystemProperties(Path logDir, int instances) {
            return new Spec(Path.of(required("loom.app.jar")), Path.of(required("loom.lb.jar")), logDir, instances,
                    Map.of(), Map.of());
        }

        public Spec withAppEnv(Map<String, String> env) {
            Map<String, String> merged = new HashMap<>(appEnv);
            merged.putAll(env);
            return new Spec(appJar, lbJar, logDir, instances, merged, lbEnv);
        }

        public Spec withLbEnv(Map<String, String> env) {
            Map<String, String> merged = new HashMap<>(lbEnv);
            merged.putAll(env);
            return new Spec(appJar, lbJar, logDir, instances, appEnv, merged);
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
    private final ManagedProcess balancer;
    private final int lbPort;
    private final int adminPort;

    private ChaosCluster(TestCluster cluster, List<ManagedProcess> apps, ManagedProcess balancer, int lbPort,
                         int adminPort) {
        this.cluster = cluster;
        this.apps = apps;
        this.balancer = balancer;
        this.lbPort = lbPort;
        this.adminPort = adminPort;
    }

    public static ChaosCluster start(Spec spec) {
        TestCluster cluster = TestCluster.start(spec.appJar(), spec.logDir());
        try {
            Map<String, String> appEnv = new HashMap<>(Map.of(
                    // Fast password hashing: the scenarios log in many users, and bcrypt is not what they test.
                    "BCRYPT_COST", "4",
                    "SHUTDOWN_DRAIN_DELAY", "2s"));
            appEnv.putAll(spec.appEnv());
            List<ManagedProcess> apps = cluster.startApps(spec.instances(), appEnv);
            int lbPort = FreePorts.pick();
            int adminPort = FreePorts.pick();
            Map<String, String> lbEnv = new HashMap<>(Map.of(
                    "LB_PORT", Integer.toString(lbPort),
                    "LB_ADMIN_PORT", Integer.toString(adminPort),
                    "LB_DISCOVERY", "redis",
                    "REDIS_URL", cluster.services().redisUrl(),
                    "LB_HEALTH_INTERVAL", "1s"));
            lbEnv.putAll(spec.lbEnv());
            // Netty's leak detector tracks every buffer of the balancer; close() fails on a reported leak.
            ManagedProcess balancer = cluster.track(ManagedProcess.javaJar("loadbalancer", spec.lbJar(),
                    List.of("-Xmx256m", "-Dio.netty.leakDetection.level=paranoid"), lbEnv, spec.logDir().resolve("loadbalancer.log"),
                    URI.create("http://127.0.0.1:" + adminPort + "/health/live")));
            balancer.start().awaitReady(START_TIMEOUT);
            ChaosCluster chaos = new ChaosCluster(cluster, apps, balancer, lbPort, adminPort);
            chaos.awaitAvailable(spec.instances());
            return chaos;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + lbPort);
    }

    public int lbPort() {
        return lbPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public List<ManagedProcess> apps() {
        return apps;
    }

    public ManagedProcess balancer() {
        return balancer;
    }

    public TestCluster cluster() {
        return cluster;
    }

    public String jdbcUrl() {
        return cluster.services().jdbcUrl();
    }

    /** Waits until the balancer routes to {@code count} backends. */
    public void awaitAvailable(int count) {
        Await.until(count + " backends available in the balancer (log: " + balancer.log() + ")", START_TIMEOUT,
                () -> available() == count);
    }

    /** Backends the balancer would route a new request to, or -1 when its admin port does not answer. */
    public int available() {
        JsonNode status = status();
        return status == null ? -1 : status.get("available").asInt();
    }

    /** The balancer's state for one instance ("healthy", "ejected", ...), or "absent". */
    public String stateOf(ManagedProcess app) {
        JsonNode status = status();
        if (status == null) {
            return "unknown";
        }
        String url = TestCluster.baseUrl(app).toString();
        for (JsonNode b : status.get("backends")) {
            if (b.get("url").asText().equals(url)) {
                return b.get("state").asText();
            }
        }
        return "absent";
    }

    private JsonNode status() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/status"))
                    .timeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> response = ADMIN.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Graceful restart of one instance on the same port: SIGTERM, wait for exit, start, wait until ready. */
    public void restart(ManagedProcess app) {
        app.terminate(Duration.ofSeconds(40));
        app.start().awaitReady(START_TIMEOUT);
    }

    /** Graceful restart of the balancer on the same ports; returns when it routes to {@code backends} again. */
    public void restartBalancer(int backends) {
        balancer.terminate(Duration.ofSeconds(40));
        balancer.start().awaitReady(START_TIMEOUT);
        awaitAvailable(backends);
    }

    @Override
    public void close() {
        cluster.close();
        try {
            List<String> leaks = java.nio.file.Files.readAllLines(balancer.log()).stream()
                    .filter(l -> l.contains("LEAK:")).toList();
            if (!leaks.isEmpty()) {
                throw new AssertionError("the balancer leaked buffers (log: " + balancer.log() + "): " + leaks);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
