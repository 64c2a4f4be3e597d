package io.loomcluster.loadtest.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.loomcluster.loadtest.metrics.IntervalSample;
import io.loomcluster.loadtest.metrics.LatencyStats;
import io.loomcluster.loadtest.metrics.Totals;
import io.loomcluster.loadtest.slo.Verdict;

import java.util.List;
import java.util.Map;

/**
 * The result of one run as written to {@code report.json} and shown in {@code report.html}. Latencies are
 * milliseconds from each request's intended start; {@code instances} counts successful responses by their
 * {@code X-Instance-Id}, so its values add up to {@code totals.successes}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(String tool, String runId, String startedAt, Map<String, Object> parameters,
                        Totals totals, LatencyStats latency, Map<String, LatencyStats> latencyByOperation,
                        Errors errors, Map<String, Long> instances, Delivery delivery, Generator generator,
                        List<IntervalSample> intervals, List<Verdict> slo) {

    public record Errors(Map<String, Long> byStatus, Map<String, Long> byCause) {
    }

    /**
     * Live delivery: {@code expected} is accepted posts times the subscribers of their room; {@code missing}
     * is what had not arrived when the run ended. {@code latencyByPath} splits {@code latency} by the
     * subscriber's transport and by whether it was served by the target the message was posted to.
     */
    public record Delivery(String transport, long posts, long expected, long delivered, long missing,
                           long duplicates, LatencyStats latency, Map<String, LatencyStats> latencyByPath,
                           LatencyStats connect,
                           Map<String, Long> subscriptionsByInstance, Map<String, Long> subscriberErrors) {
    }

    /** What the load generator itself used while the window ran. */
    public record Generator(double cpuSeconds, double wallSeconds, double cpuPercentOfOneCore, int cores,
                            double setupSeconds, String java, String httpClient) {
    }

    public RunReport withSlo(List<Verdict> verdicts) {
        return new RunReport(tool, runId, startedAt, parameters, totals, latency, latencyByOperation, errors,
                instances, delivery, generator, intervals, verdicts);
    }
}
