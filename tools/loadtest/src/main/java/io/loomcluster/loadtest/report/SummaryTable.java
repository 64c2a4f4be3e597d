package io.loomcluster.loadtest.report;

import io.loomcluster.loadtest.metrics.LatencyStats;
import io.loomcluster.loadtest.metrics.Totals;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The plain-text summary printed at the end of a run. */
public final class SummaryTable {
    private static final String ROW = "%-34s %9s %9s %9s %9s %9s %9s%n";

    private SummaryTable() {
    }

    public static String render(RunReport r) {
        StringBuilder out = new StringBuilder();
        Totals t = r.totals();
        out.append(String.format(Locale.ROOT, "%nrun %s  %s%n", r.runId(), r.parameters()));
        out.append(String.format(Locale.ROOT,
                "requests %d  successes %d  errors %d (%.3f%%)  dropped %d  abandoned %d  %.1f req/s over %.1fs%n%n",
                t.requests(), t.successes(), t.errors(), t.errorRatio() * 100, t.dropped(), t.abandoned(),
                t.throughput(), t.seconds()));
        out.append(String.format(Locale.ROOT, ROW, "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max"));
        row(out, "all requests", r.latency());
        r.latencyByOperation().forEach((op, stats) -> row(out, "  " + op, stats));
        if (r.delivery() != null) {
            row(out, "delivery (" + r.delivery().transport() + ")", r.delivery().latency());
            r.delivery().latencyByPath().forEach((path, stats) -> row(out, "  delivery " + path, stats));
            row(out, "connect (" + r.delivery().transport() + ")", r.delivery().connect());
        }
        out.append('\n');
        line(out, "errors by status", r.errors().byStatus());
        line(out, "errors by cause", r.errors().byCause());
        out.append("instances (successes): ").append(shares(r.instances(), t.successes())).append('\n');
        if (r.delivery() != null) {
            RunReport.Delivery d = r.delivery();
            out.append(String.format(Locale.ROOT,
                    "delivery: posts %d, expected %d, delivered %d, missing %d, duplicates %d%n",
                    d.posts(), d.expected(), d.delivered(), d.missing(), d.duplicates()));
            out.append("subscriptions by instance: ").append(d.subscriptionsByInstance()).append('\n');
            line(out, "subscriber errors", d.subscriberErrors());
        }
        RunReport.Generator g = r.generator();
        out.append(String.format(Locale.ROOT,
                "generator: %.2fs CPU over %.2fs = %.1f%% of one core (%d cores); set-up took %.1fs%n",
                g.cpuSeconds(), g.wallSeconds(), g.cpuPercentOfOneCore(), g.cores(), g.setupSeconds()));
        return out.toString();
    }

    private static void row(StringBuilder out, String name, LatencyStats s) {
        out.append(String.format(Locale.ROOT, ROW, name, s.count(), ms(s.p50()), ms(s.p90()), ms(s.p99()),
                ms(s.p999()), ms(s.max())));
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : v < 1000 ? "%.1f" : "%.0f", v);
    }

    private static void line(StringBuilder out, String title, Map<String, Long> counts) {
        out.append(title).append(": ").append(counts.isEmpty() ? "none" : counts.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))).append('\n');
    }

    static String shares(Map<String, Long> counts, long total) {
        if (counts.isEmpty()) {
            return "none";
        }
        return counts.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s=%d (%.1f%%)", e.getKey(),
                e.getValue(), total == 0 ? 0 : 100.0 * e.getValue() / total)).collect(Collectors.joining(", "));
    }
}
