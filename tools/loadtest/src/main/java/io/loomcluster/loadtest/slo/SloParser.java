package io.loomcluster.loadtest.slo;

import io.loomcluster.loadtest.cli.Durations;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code --slo "p99<50ms,errors<0.1%,rate>200"}; every error names the part that is wrong. */
public final class SloParser {
    private static final Pattern OBJECTIVE = Pattern.compile("([a-z0-9.]+)\\s*(<=|>=|<|>)\\s*(\\S+)");
    private static final Set<String> LATENCIES = Set.of("p50", "p90", "p99", "p999", "max", "mean");
    private static final String HELP = "expected comma-separated objectives like p99<50ms, p999<=200ms, max<1s,"
            + " errors<0.1%, errors<=10, rate>200, delivery.p99<100ms";

    private SloParser() {
    }

    public static List<Objective> parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty --slo; " + HELP);
        }
        List<Objective> objectives = new ArrayList<>();
        for (String part : spec.split(",")) {
            objectives.add(parseOne(part.trim()));
        }
        return List.copyOf(objectives);
    }

    private static Objective parseOne(String text) {
        Matcher m = OBJECTIVE.matcher(text.toLowerCase(Locale.ROOT));
        if (text.isEmpty() || !m.matches()) {
            throw new IllegalArgumentException("bad objective '" + text + "'; " + HELP);
        }
        String metric = m.group(1);
        Objective.Comparison comparison = comparison(m.group(2));
        String value = m.group(3);
        String latency = metric.startsWith("delivery.") ? metric.substring("delivery.".length()) : metric;
        if (LATENCIES.contains(latency)) {
            return new Objective(text, metric, comparison, latencyMillis(text, value), false);
        }
        return switch (metric) {
            case "errors" -> value.endsWith("%")
                    ? new Objective(text, metric, comparison, number(text, value.substring(0, value.length() - 1)), true)
                    : new Objective(text, metric, comparison, number(text, value), false);
            case "rate" -> new Objective(text, metric, comparison, number(text, value.replace("/s", "")), false);
            default -> throw new IllegalArgumentException("unknown metric '" + metric + "' in '" + text
                    + "'; known: p50, p90, p99, p999, max, mean, delivery.<percentile>, errors, rate");
        };
    }

    private static Objective.Comparison comparison(String symbol) {
        for (Objective.Comparison c : Objective.Comparison.values()) {
            if (c.symbol().equals(symbol)) {
                return c;
            }
        }
        throw new IllegalStateException("pattern admits only < <= > >=");
    }

    private static double latencyMillis(String text, String value) {
        try {
            return Durations.parse(value).toNanos() / 1e6;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad latency '" + value + "' in '" + text
                    + "'; give a number with a unit, e.g. 50ms, 1.5s, 800us");
        }
    }

    private static double number(String text, String value) {
        try {
            double d = Double.parseDouble(value);
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number '" + value + "' in '" + text + "'");
        }
    }
}
