package io.loomcluster.loadtest.metrics;

/**
 * One second (or the last partial second) of a run: completions, errors and latency of the requests that
 * completed in it, deliveries, requests in flight at its end, and the generator's own CPU use.
 *
 * @param t          seconds since the start of the measured window, at the end of this interval
 * @param rate       completed requests per second in this interval
 * @param cpuPercent the generator process's CPU time in this interval, in percent of one core
 */
public record IntervalSample(double t, long requests, double rate, long errors, double p50, double p90,
                             double p99, double max, long deliveries, double deliveryP99, long inFlight,
                             double cpuPercent) {
}
