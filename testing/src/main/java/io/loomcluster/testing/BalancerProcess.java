package io.loomcluster.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The balancer jar as a real process on free loopback ports, with what its admin {@code /status}
 * says. Started by the balancer's tests (in front of test backends), the system tests and the chaos
 * tool (in front of app instances). Netty's leak detector runs at {@code paranoid} (every buffer
 * tracked), and {@link #close()} fails when it reported a buffer that was never released.
 */
public final class BalancerProcess implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** What Netty's leak detector writes (at ERROR) when a buffer was collected without being released. */
    static final String LEAK_MARK = "LEAK:";

    private final ManagedProcess process;
    private final int port;
    private final int adminPort;
    private final LoomClient admin;

    BalancerProcess(ManagedProcess process, int port, int adminPort) {
        this.process = process;
        this.port = port;
        this.adminPort = adminPort;
        this.admin = LoomClient.builder(URI.create("http://127.0.0.1:" + adminPort))
                .timeout(Duration.ofSeconds(5)).retry(RetryPolicy.NONE).unobserved().build();
    }

    /** Starts {@code loom.lb.jar} with the environment given (plus its ports) and waits until it is live. */
    public static BalancerProcess start(String name, Map<String, String> env, Path logDir) {
        String jar = System.getProperty("loom.lb.jar");
        if (jar == null) {
            throw new IllegalStateException("system property loom.lb.jar is not set (run the tests with ./mvnw verify)");
        }
        return start(name, Path.of(jar), env, logDir);
    }

    public static BalancerProcess start(String name, Path jar, Map<String, String> env, Path logDir) {
        return start(name, jar, env, logDir, -1);
    }

    /** As above; a {@code gid} of 0 or more runs it with that group id ({@link ManagedProcess#inGroup}). */
    public static BalancerProcess start(String name, Path jar, Map<String, String> env, Path logDir, int gid) {
        int port = FreePorts.pick();
        int adminPort = FreePorts.pick();
        Map<String, String> all = new HashMap<>(env);
        all.put("LB_PORT", Integer.toString(port));
        all.put("LB_ADMIN_PORT", Integer.toString(adminPort));
        ManagedProcess process = ManagedProcess.javaJar(name, jar, jvmArgs(), all,
                logDir.resolve(name + "-" + port + ".log"), URI.create("http://127.0.0.1:" + adminPort + "/health/live"));
        if (gid >= 0) {
            process = process.inGroup(gid);
        }
        process.start().awaitReady(START_TIMEOUT);
        return new BalancerProcess(process, port, adminPort);
    }

    /** The options users run it with (scripts/cluster, the image), plus the leak detector at its strictest. */
    private static List<String> jvmArgs() {
        List<String> args = new ArrayList<>(List.of("-Xmx256m", "-Dio.netty.leakDetection.level=paranoid"));
        if (Runtime.version().feature() >= 24) {
            args.add("--sun-misc-unsafe-memory-access=allow");
        }
        return args;
    }

    public ManagedProcess process() {
        return process;
    }

    public int port() {
        return port;
    }

    public int adminPort() {
        return adminPort;
    }

    /** The public base URL. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public URI url(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** A client of the admin port ({@code /status}, {@code /metrics}, the dashboard). */
    public LoomClient admin() {
        return admin;
    }

    /** The admin port's {@code /status}, or null when it does not answer. */
    public JsonNode status() {
        Reply reply = admin.send(Request.get("/status"));
        return reply.status() == 200 ? reply.json() : null;
    }

    /** Backends the balancer would route a new request to, or -1 when its admin port does not answer. */
    public int available() {
        JsonNode status = status();
        return status == null ? -1 : status.get("available").asInt();
    }

    public void awaitAvailable(int count, Duration timeout) {
        Await.until(count + " backends available in the balancer (log: " + process.log() + ")", timeout,
                () -> available() == count);
    }

    /** The state the balancer reports for a backend ("healthy", "ejected", "draining"), or "absent". */
    public String stateOf(URI backend) {
        JsonNode status = status();
        if (status == null) {
            return "unknown";
        }
        for (JsonNode b : status.get("backends")) {
            if (b.get("url").asText().equals(backend.toString())) {
                return b.get("state").asText();
            }
        }
        return "absent";
    }

    public void awaitState(URI backend, String state) {
        Await.until(backend + " to be " + state + " in the balancer (log: " + process.log() + ")",
                Duration.ofSeconds(30), () -> stateOf(backend).equals(state));
    }

    /** Requests the balancer has sent to backends so far (health checks not included). */
    public long backendRequests() {
        long total = 0;
        for (JsonNode b : status().get("backends")) {
            total += b.get("requests").asLong();
        }
        return total;
    }

    /** The lines of the balancer's log (all its runs so far) where Netty reported a leaked buffer. */
    public List<String> leaks() {
        try {
            return Files.readAllLines(process.log()).stream().filter(line -> line.contains(LEAK_MARK)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + process.log(), e);
        }
    }

    /**
     * Fails when Netty has reported a leaked buffer so far. A leak is reported when the garbage
     * collector finds the buffer, so a test class that shares a balancer calls this when it ends.
     */
    public void assertNoLeaks() {
        List<String> leaks = leaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError("the balancer leaked buffers (log: " + process.log() + "): " + leaks);
        }
    }

    /** Stops the balancer; fails when Netty's leak detector reported a buffer never released. */
    @Override
    public void close() {
        process.close();
        admin.close();
        assertNoLeaks();
    }
}
