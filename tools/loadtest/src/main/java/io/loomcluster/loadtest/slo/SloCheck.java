package io.loomcluster.loadtest.slo;

import io.loomcluster.loadtest.metrics.LatencyStats;
import io.loomcluster.loadtest.report.RunReport;

import java.util.List;

/** Evaluates objectives against a finished run. */
public final class SloCheck {
    private SloCheck() {
    }

    public static List<Verdict> evaluate(List<Objective> objectives, RunReport report) {
        return objectives.stream().map(o -> verdict(o, actual(o, report))).toList();
    }

    private static Verdict verdict(Objective objective, double actual) {
        return new Verdict(objective.text(), actual, objective.format(actual), objective.met(actual));
    }

    static double actual(Objective objective, RunReport report) {
        return switch (objective.metric()) {
            case "errors" -> objective.percent() ? report.totals().errorRatio() * 100 : report.totals().errors();
            case "rate" -> report.totals().throughput();
            default -> latency(objective.metric(), report);
        };
    }

    private static double latency(String metric, RunReport report) {
        if (metric.startsWith("delivery.")) {
            LatencyStats delivery = report.delivery() == null ? LatencyStats.EMPTY : report.delivery().latency();
            if (delivery.count() == 0) {
                // No delivery measured cannot meet a delivery objective.
                return Double.POSITIVE_INFINITY;
            }
            return delivery.get(metric.substring("delivery.".length()));
        }
        return report.latency().count() == 0 ? Double.POSITIVE_INFINITY : report.latency().get(metric);
    }
}
