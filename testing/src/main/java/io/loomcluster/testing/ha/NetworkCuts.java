package io.loomcluster.testing.ha;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Network partitions between processes on this machine, made of iptables rules in the OUTPUT chain
 * (loopback traffic is all local output). A process is picked out by the group id it runs with
 * ({@code -m owner --gid-owner}, see {@code ManagedProcess.inGroup}) and a peer by its own loopback
 * address or port, so a rule cuts one link and nothing else. Every rule carries a comment unique
 * to this object and is removed by {@link Cut#heal()}, by {@link #close()} and, should the JVM end
 * first, by a shutdown hook. Needs root and iptables: {@link #unavailableBecause()} says why not.
 */
public final class NetworkCuts implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final AtomicInteger MARKS = new AtomicInteger();

    /** One rule set in place until healed. */
    public final class Cut {
        private final String description;
        private final List<List<String>> rules;
        private volatile boolean healed;

        private Cut(String description, List<List<String>> rules) {
            this.description = description;
            this.rules = rules;
        }

        public void heal() {
            if (!healed) {
                healed = true;
                rules.forEach(rule -> iptables("-D", rule));
                cuts.remove(this);
            }
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final String tag = "loom-test-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    private final List<Cut> cuts = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::healAll, "network-cuts-heal");

    public NetworkCuts() {
        String reason = unavailableBecause();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Null when partitions can be made here; else why not (for a test to skip with). */
    public static String unavailableBecause() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network partitions need iptables as root; this runs as " + System.getProperty("user.name");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv")) && !Files.isExecutable(Path.of("/bin/setpriv"))) {
            return "network partitions need setpriv (util-linux) to run each process with its own group";
        }
        if (run(List.of("iptables", "-w", "5", "-n", "-L", "OUTPUT")) != 0) {
            return "iptables -L OUTPUT failed: no iptables, or no CAP_NET_ADMIN here";
        }
        return null;
    }

    /**
     * Both ways: every connection the process of group {@code gid} has or opens to any of
     * {@code hosts} carries nothing any more, in either direction (its packets are dropped, and the
     * connection is marked so that the peer's answers on it are dropped too).
     */
    public Cut processFromHosts(String what, int gid, List<String> hosts) {
        List<List<String>> matches = new ArrayList<>();
        for (String host : hosts) {
            matches.add(List.of("-d", host + "/32", "-m", "owner", "--gid-owner", Integer.toString(gid)));
        }
        return bothWays(what, matches);
    }

    /** Both ways: the connections the process of group {@code gid} opens to {@code port} on loopback. */
    public Cut processToPort(String what, int gid, int port) {
        return bothWays(what, List.of(List.of("-p", "tcp", "--dport", Integer.toString(port), "-m", "owner", "--gid-owner",
                Integer.toString(gid))));
    }

    /**
     * One way: the answers a server of group {@code gid} sends from {@code port} carry no data any
     * more (handshakes and acknowledgements pass, so requests still arrive; responses do not).
     */
    public Cut answersFrom(String what, int gid, int port) {
        return add(what, List.of(List.of("-p", "tcp", "--sport", Integer.toString(port), "-m", "owner", "--gid-owner",
                Integer.toString(gid), "-m", "length", "--length", "120:65535", "-j", "DROP")));
    }

    private Cut bothWays(String what, List<List<String>> matches) {
        String mark = "0x" + Integer.toHexString(0x10c0000 + MARKS.incrementAndGet());
        List<List<String>> rules = new ArrayList<>();
        // Inserted in this order at the top of the chain, so the marks come first and the drop after them.
        rules.add(List.of("-m", "connmark", "--mark", mark, "-j", "DROP"));
        for (List<String> match : matches) {
            List<String> rule = new ArrayList<>(match);
            rule.addAll(List.of("-j", "CONNMARK", "--set-mark", mark));
            rules.add(rule);
        }
        return add(what, rules);
    }

    private Cut add(String what, List<List<String>> bare) {
        List<List<String>> rules = new ArrayList<>();
        for (List<String> rule : bare) {
            List<String> tagged = new ArrayList<>(rule.subList(0, rule.indexOf("-j")));
            tagged.addAll(List.of("-m", "comment", "--comment", tag));
            tagged.addAll(rule.subList(rule.indexOf("-j"), rule.size()));
            rules.add(List.copyOf(tagged));
        }
        Cut cut = new Cut(what, rules);
        cuts.add(cut);
        for (List<String> rule : rules) {
            if (iptables("-I", rule) != 0) {
                cut.heal();
                throw new IllegalStateException("iptables refused the rule " + rule);
            }
        }
        return cut;
    }

    private static int iptables(String action, List<String> rule) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", "5", action, "OUTPUT"));
        command.addAll(rule);
        return run(command);
    }

    private static int run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void healAll() {
        for (Cut cut : List.copyOf(cuts)) {
            cut.heal();
        }
    }

    @Override
    public void close() {
        healAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook heals
        }
    }
}
