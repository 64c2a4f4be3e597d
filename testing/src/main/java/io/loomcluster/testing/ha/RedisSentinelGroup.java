package io.loomcluster.testing.ha;

import io.loomcluster.testing.Await;
import io.loomcluster.testing.FreePorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis master, one replica and three sentinels as real processes ({@code redis-server},
 * {@code redis-sentinel} from the PATH), each on its own loopback address so that a partition can
 * cut any one of them. The sentinels declare a master down after {@code downAfter} and need two of
 * three to agree; the app, the workers and the balancer find the master through them.
 */
public final class RedisSentinelGroup implements AutoCloseable {
    public static final String MASTER_NAME = "loom";

    /** One Redis server: where it listens and its process. */
    public record Node(String host, int port, ServerProcess process) {
        public String address() {
            return host + ":" + port;
        }

        public boolean isAlive() {
            return process.isAlive();
        }
    }

    private final Path dir;
    private final List<Node> servers = new ArrayList<>();
    private final List<Node> sentinels = new ArrayList<>();

    private RedisSentinelGroup(Path dir) {
        this.dir = dir;
    }

    /** Whether this machine can run the group: both binaries on the PATH. */
    public static boolean available() {
        return onPath("redis-server") && onPath("redis-sentinel") && onPath("redis-cli");
    }

    /**
     * Starts the master on {@code hosts.get(0)}, the replica on {@code hosts.get(1)} and sentinels on
     * the next three, and returns once every sentinel knows the replica.
     */
    public static RedisSentinelGroup start(Path dir, List<String> hosts, Duration downAfter) {
        RedisSentinelGroup group = new RedisSentinelGroup(dir);
        try {
            Node master = group.server("redis-master", hosts.get(0), null);
            group.server("redis-replica", hosts.get(1), master);
            for (int i = 0; i < 3; i++) {
                group.sentinel("sentinel-" + (i + 1), hosts.get(2 + i), master, downAfter);
            }
            Await.until("the replica to be in sync", Duration.ofSeconds(30),
                    () -> cli(group.servers.get(1), "INFO", "replication").contains("master_link_status:up"));
            for (Node s : group.sentinels) {
                Await.until(s.process().name() + " to know the replica", Duration.ofSeconds(30),
                        () -> cli(s, "SENTINEL", "replicas", MASTER_NAME).contains(group.servers.get(1).host()));
            }
            return group;
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
    }

    private Node server(String name, String host, Node master) {
        int port = FreePorts.pick();
        Path data = directory(name);
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", host,
                "--dir", data.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                "--maxclients", "10000", "--repl-diskless-sync", "no",
                // Every connection on loopback comes from 127.0.0.1: each server says which address is its own.
                "--replica-announce-ip", host));
        if (master != null) {
            command.addAll(List.of("--replicaof", master.host(), Integer.toString(master.port())));
        }
        Node node = new Node(host, port, new ServerProcess(name, command, dir.resolve(name + ".log")).start());
        servers.add(node);
        awaitPong(node);
        return node;
    }

    private void sentinel(String name, String host, Node master, Duration downAfter) {
        int port = FreePorts.pick();
        Path data = directory(name);
        Path conf = data.resolve("sentinel.conf");
        try {
            // The sentinel rewrites this file as it learns the replicas, the other sentinels and fail-overs.
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind " + host,
                    "dir " + data,
                    "sentinel announce-ip " + host,
                    "sentinel monitor " + MASTER_NAME + " " + master.host() + " " + master.port() + " 2",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " " + downAfter.toMillis(),
                    "sentinel failover-timeout " + MASTER_NAME + " 10000",
                    "sentinel parallel-syncs " + MASTER_NAME + " 1",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Node node = new Node(host, port, new ServerProcess(name, List.of("redis-sentinel", conf.toString()),
                dir.resolve(name + ".log")).start());
        sentinels.add(node);
        awaitPong(node);
    }

    private Path directory(String name) {
        try {
            return Files.createDirectories(dir.resolve(name)).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of {@code REDIS_SENTINELS} for the clients. */
    public String sentinelsValue() {
        return String.join(",", sentinels.stream().map(Node::address).toList());
    }

    /** Every address of the group (servers and sentinels), as a partition cuts them. */
    public List<String> hosts() {
        List<String> hosts = new ArrayList<>();
        servers.forEach(n -> hosts.add(n.host()));
        sentinels.forEach(n -> hosts.add(n.host()));
        return hosts;
    }

    public List<Node> servers() {
        return List.copyOf(servers);
    }

    /** The server the sentinels name as master now ("host:port"), asking the first that answers. */
    public String masterAddress() {
        for (Node s : sentinels) {
            if (!s.isAlive()) {
                continue;
            }
            String named = namedMaster(s);
            if (named != null) {
                return named;
            }
        }
        throw new IllegalStateException("no sentinel answered");
    }

    // The master this sentinel names ("host:port"), or null when it does not answer.
    private static String namedMaster(Node sentinel) {
        String[] lines = cli(sentinel, "SENTINEL", "get-master-addr-by-name", MASTER_NAME).trim().split("\\R");
        return lines.length == 2 ? lines[0].trim() + ":" + lines[1].trim() : null;
    }

    /** The server process that is the master now. */
    public Node master() {
        String address = masterAddress();
        return servers.stream().filter(n -> n.address().equals(address)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the sentinels name an unknown master " + address));
    }

    /** kill -9 of the current master; returns it. */
    public Node killMaster() {
        Node master = master();
        master.process().kill();
        return master;
    }

    /** Waits until the sentinels name a master other than {@code old} and that server answers as master. */
    public Node awaitFailover(Node old, Duration timeout) {
        Await.until("the sentinels to promote a replica in place of " + old.address(), timeout, () -> {
            try {
                return !masterAddress().equals(old.address());
            } catch (IllegalStateException e) {
                return false;
            }
        });
        Node promoted = master();
        Await.until(promoted.address() + " to serve as master", timeout,
                () -> cli(promoted, "ROLE").startsWith("master"));
        return promoted;
    }

    /**
     * Whether the group serves as it did when started: every sentinel names the same master, that
     * master has a replica whose link is up, and every sentinel knows that replica as a healthy one.
     */
    public boolean healthy() {
        if (!servers.stream().allMatch(Node::isAlive) || !sentinels.stream().allMatch(Node::isAlive)) {
            return false;
        }
        Node master;
        try {
            master = master();
        } catch (IllegalStateException e) {
            return false;
        }
        for (Node s : sentinels) {
            if (!master.address().equals(namedMaster(s))) {
                return false;
            }
        }
        for (Node replica : servers) {
            if (replica.equals(master)) {
                continue;
            }
            if (!cli(replica, "INFO", "replication").contains("master_link_status:up")) {
                return false;
            }
            for (Node s : sentinels) {
                if (!replicaFlags(cli(s, "SENTINEL", "replicas", MASTER_NAME), replica).equals("slave")) {
                    return false;
                }
            }
        }
        return true;
    }

    // The flags a sentinel gives a replica ("slave" when healthy, "slave,s_down" ...), "" when it lists none at that address.
    private static String replicaFlags(String reply, Node replica) {
        String[] lines = reply.split("\\R");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].trim().equals("name") && lines[i + 1].trim().equals(replica.address())) {
                for (int j = i + 2; j + 1 < lines.length && !lines[j].trim().equals("name"); j += 2) {
                    if (lines[j].trim().equals("flags")) {
                        return lines[j + 1].trim();
                    }
                }
            }
        }
        return "";
    }

    /** Starts a killed server again on its address and port; the sentinels make it a replica of the new master. */
    public void restart(Node node) {
        node.process().start();
        awaitPong(node);
    }

    /** Runs redis-cli against a node; its output, or "" when it did not answer. */
    public static String cli(Node node, String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", node.host(), "-p", Integer.toString(node.port())));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            // Waits first (bounded), then reads: replies are far smaller than the pipe's buffer.
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return new String(p.getInputStream().readAllBytes());
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void awaitPong(Node node) {
        Await.until(node.process().name() + " on " + node.address() + " to answer PING (log: " + node.process().log() + ")",
                Duration.ofSeconds(20), () -> {
                    if (!node.isAlive()) {
                        throw new AssertionError(node.process().name() + " exited; log: " + node.process().log());
                    }
                    return cli(node, "PING").trim().equals("PONG");
                });
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        sentinels.forEach(n -> n.process().close());
        servers.forEach(n -> n.process().close());
    }
}
