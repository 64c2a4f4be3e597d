package io.loomcluster.loadtest.slo;

import java.util.Locale;

/**
 * One service-level objective such as {@code p99<50ms}, {@code errors<0.1%}, {@code rate>200} or
 * {@code delivery.p99<100ms}. Latency thresholds are held in milliseconds.
 *
 * @param metric    p50, p90, p99, p999, max, mean, optionally prefixed by {@code delivery.}; or errors, rate
 * @param percent   for errors: whether the threshold is a percentage of requests (else a count)
 */
public record Objective(String text, String metric, Comparison comparison, double threshold, boolean percent) {

    public enum Comparison {
        LT("<"), LE("<="), GT(">"), GE(">=");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        boolean holds(double actual, double threshold) {
            return switch (this) {
                case LT -> actual < threshold;
                case LE -> actual <= threshold;
                case GT -> actual > threshold;
                case GE -> actual >= threshold;
            };
        }
    }

    public boolean isLatency() {
        return !metric.equals("errors") && !metric.equals("rate");
    }

    public boolean met(double actual) {
        return comparison.holds(actual, threshold);
    }

    /** The measured value in this objective's unit, for the "failed" line. */
    public String format(double actual) {
        if (Double.isInfinite(actual)) {
            return "nothing measured";
        }
        if (isLatency()) {
            return String.format(Locale.ROOT, "%.2fms", actual);
        }
        if (metric.equals("errors")) {
            return percent ? String.format(Locale.ROOT, "%.3f%%", actual) : String.format(Locale.ROOT, "%.0f", actual);
        }
        return String.format(Locale.ROOT, "%.1f/s", actual);
    }
}
