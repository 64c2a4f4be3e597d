package io.loomcluster.system.scaling;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code scripts/cluster}, the launcher users run, driven as a process: a private cluster with its
 * own run folder and a block of ten free loopback ports below Linux's ephemeral range, so that a
 * cluster on the default ports is left alone.
 */
final class ClusterScript implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("(?m)^(app-\\d+)\\s+\\d+\\s+\\d+\\s+ready\\s*$");

    private final Path root;
    private final Map<String, String> env = new HashMap<>();
    private final int balancerPort;

    ClusterScript(Path root, Path runDir) {
        this.root = root;
        int p = freeBlock();
        this.balancerPort = p;
        env.put("CLUSTER_RUN_DIR", runDir.toString());
        env.put("LB_PORT", Integer.toString(p));
        env.put("LB_ADMIN_PORT", Integer.toString(p + 1));
        env.put("CLUSTER_POSTGRES_PORT", Integer.toString(p + 2));
        env.put("CLUSTER_REDIS_PORT", Integer.toString(p + 3));
        env.put("CLUSTER_BASE_PORT", Integer.toString(p + 4));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // The traffic posts as one user as fast as it can, to show no request fails while instances
        // come and go; the per-user post limit (WriteLimitIT tests it) would refuse most of it.
        env.put("MESSAGE_RATE_LIMIT", "1000000");
    }

    URI balancer() {
        return URI.create("http://127.0.0.1:" + balancerPort);
    }

    /** Runs {@code scripts/cluster ARGS}, its output inherited; returns its exit status. */
    int run(String... args) {
        List<String> command = new ArrayList<>(List.of(root.resolve("scripts/cluster").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).inheritIO();
        builder.environment().remove("DATABASE_URL");
        builder.environment().remove("REDIS_URL");
        builder.environment().putAll(env);
        return waitFor(start(builder), 600);
    }

    /** The instances {@code scripts/cluster status} reports ready. */
    Set<String> readyInstances() {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("scripts/cluster").toString(), "status")
                .directory(root.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process status = start(builder);
        String out;
        try {
            out = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        waitFor(status, 60);
        Set<String> ready = new TreeSet<>();
        Matcher m = READY.matcher(out);
        while (m.find()) {
            ready.add(m.group(1));
        }
        return ready;
    }

    Path logs() {
        return Path.of(env.get("CLUSTER_RUN_DIR"), "logs");
    }

    private static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int waitFor(Process process, int seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("scripts/cluster did not finish within " + seconds + " s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    // Ten consecutive free ports between 20000 and 32000: the script wants a base and offsets from it.
    private static int freeBlock() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            boolean free = true;
            for (int i = 0; i < 10 && free; i++) {
                free = isFree(p + i);
            }
            if (free) {
                return p;
            }
        }
        throw new IllegalStateException("no ten free ports in 20000-32000");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        run("down");
    }

    static Path root() {
        String root = System.getProperty("loom.root");
        if (root == null) {
            throw new IllegalStateException("system property loom.root is not set (run the tests with ./mvnw verify)");
        }
        Path path = Path.of(root).toAbsolutePath().normalize();
        if (!Files.isExecutable(path.resolve("scripts/cluster"))) {
            throw new IllegalStateException("no scripts/cluster under " + path);
        }
        return path;
    }
}
