package io.loomcluster.loadtest.scenario;

import io.loomcluster.loadtest.cli.Options;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the workload named by {@code --scenario}. */
public final class Scenarios {
    private Scenarios() {
    }

    public static Workload create(Options options, ScenarioContext ctx) {
        return switch (options.scenario()) {
            case "browse" -> new Browse(ctx);
            case "chat" -> new Chat(ctx, options.subscribers());
            case "connections" -> new Connections(ctx, options.connections(), options.postRate());
            case "mixed" -> mixed(options, ctx);
            default -> throw new IllegalArgumentException("unknown scenario " + options.scenario());
        };
    }

    private static Workload mixed(Options options, ScenarioContext ctx) {
        List<Mixed.Part> parts = new ArrayList<>();
        for (Map.Entry<String, Integer> e : options.mix().entrySet()) {
            if (e.getValue() > 0) {
                Workload w = e.getKey().equals("chat") ? new Chat(ctx, options.subscribers()) : new Browse(ctx);
                parts.add(new Mixed.Part(e.getValue(), w));
            }
        }
        return new Mixed(parts);
    }

    /** How many operations a run may start: the connections scenario opens exactly its connections. */
    public static long arrivalLimit(Options options) {
        return options.scenario().equals("connections")
                ? Math.min(options.connections(), options.maxRequests()) : options.maxRequests();
    }
}
