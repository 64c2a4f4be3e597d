package io.loomcluster.loadtest.metrics;

import org.HdrHistogram.Histogram;

/** Percentiles of one histogram, in milliseconds. Values are recorded in microseconds. */
public record LatencyStats(long count, double mean, double p50, double p90, double p99, double p999, double max) {

    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0, 0);

    public static LatencyStats of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencyStats(h.getTotalCount(), h.getMean() / 1000.0,
                ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** The value of a named percentile: p50, p90, p99, p999 or max. */
    public double get(String name) {
        return switch (name) {
            case "p50" -> p50;
            case "p90" -> p90;
            case "p99" -> p99;
            case "p999" -> p999;
            case "max" -> max;
            case "mean" -> mean;
            default -> throw new IllegalArgumentException("unknown percentile " + name);
        };
    }
}
