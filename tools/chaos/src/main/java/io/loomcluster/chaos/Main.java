package io.loomcluster.chaos;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code scripts/chaos [--scenario NAME]... [--ha] [--list]}: runs fault scenarios against real
 * clusters and prints one table row per scenario. Exits 1 when a scenario lost or duplicated an
 * acknowledged write, a request failed for good or a scenario's own audit found a violation (jobs:
 * a notification or webhook delivery missing or doubled), 2 on bad options.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Path logs = Path.of(System.getProperty("chaos.logs", "tools/chaos/target/chaos-logs"))
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scenario" -> {
                    if (i + 1 >= args.length) {
                        usage("--scenario needs a name");
                    }
                    chosen.add(args[++i]);
                }
                case "--ha" -> chosen.addAll(HA);
                case "--list" -> {
                    scenarios(logs.resolve("unused")).keySet().forEach(System.out::println);
                    HA.forEach(System.out::println);
                    return;
                }
                case "--help", "-h" -> {
                    usage(null);
                }
                default -> usage("unknown option " + args[i]);
            }
        }
        Map<String, Supplier<Outcome>> all = scenarios(logs);
        if (chosen.isEmpty()) {
            // The replicated-services scenarios need redis-sentinel and root (iptables): asked for by name or --ha.
            chosen.addAll(all.keySet());
        }
        for (String name : chosen) {
            if (!all.containsKey(name) && !HA.contains(name)) {
                List<String> known = new ArrayList<>(all.keySet());
                known.addAll(HA);
                usage("unknown scenario '" + name + "'; known: " + String.join(", ", known));
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        // The replicated-services scenarios share one cluster, stopped before the tool exits.
        Path haLogs = logs.resolve("replicated-services");
        HaScenarios ha = new HaScenarios(ChaosCluster.Spec.fromSystemProperties(haLogs, 3), Workload.Shape.standard(),
                Scenarios.Pacing.standard());
        try {
            for (String name : chosen) {
                Path logDir = HA.contains(name) ? haLogs : logs.resolve(name);
                System.err.println("chaos: running " + name + " (logs in " + logDir + ")");
                Outcome outcome;
                try {
                    outcome = HA.contains(name) ? ha.all().get(name).get() : scenarios(logDir).get(name).get();
                } catch (RuntimeException | AssertionError e) {
                    // A scenario that could not run is a failed run, and the tool still ends by itself.
                    System.err.println("chaos: " + name + " could not run:");
                    e.printStackTrace();
                    ha.close();
                    System.exit(1);
                    return;
                }
                outcomes.add(outcome);
                System.err.println(Table.row(outcome));
            }
        } finally {
            ha.close();
        }
        System.out.println(Table.render(outcomes));
        boolean clean = outcomes.stream().allMatch(Outcome::clean);
        System.exit(clean ? 0 : 1);
    }

    private static final List<String> HA = List.of("redis-failover", "postgres-failover", "partitions");

    private static Map<String, Supplier<Outcome>> scenarios(Path logDir) {
        ChaosCluster.Spec spec = ChaosCluster.Spec.fromSystemProperties(logDir, 3);
        return new Scenarios(spec, Workload.Shape.standard(), Scenarios.Pacing.standard()).all();
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("chaos: " + error);
        }
        System.err.println("usage: scripts/chaos [--scenario NAME]... [--ha] [--list]");
        System.err.println("  scenarios: kill-9, rolling-restart, redis-outage, postgres-outage, hung-backend,");
        System.err.println("             balancer-restart, overload, jobs (default: these, in that order)");
        System.err.println("  replicated services (--ha: all three; need redis-sentinel, and root for iptables):");
        System.err.println("             redis-failover, postgres-failover, partitions");
        System.exit(error == null ? 0 : 2);
    }
}
