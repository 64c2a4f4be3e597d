package io.loomcluster.loadtest.metrics;

/**
 * Counts over the whole measured window. {@code requests = successes + errors}; errors include the
 * dropped and abandoned ones, which have no latency.
 */
public record Totals(long requests, long successes, long errors, long dropped, long abandoned,
                     double seconds, double throughput, double errorRatio) {
}
