package io.loomcluster.loadtest;

import io.loomcluster.loadtest.cli.Options;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.realtime.Deliveries;
import io.loomcluster.loadtest.report.RunReport;
import io.loomcluster.loadtest.run.LoadRun;
import io.loomcluster.loadtest.run.ProcessCpu;

import java.time.Instant;

/** Builds a {@link RunReport} from what a window measured. */
final class Reports {
    static final String TOOL = "loom-cluster loadtest";

    private Reports() {
    }

    static RunReport assemble(Options options, String runId, Instant started, Metrics metrics, Deliveries deliveries,
                              LoadRun.Window window, double setupSeconds) {
        RunReport.Delivery delivery = null;
        if (!options.scenario().equals("browse")) {
            long expected = deliveries.expected();
            delivery = new RunReport.Delivery(options.transport().option(), deliveries.posts(), expected,
                    metrics.deliveries(), Math.max(0, expected - metrics.deliveries()), metrics.duplicates(),
                    metrics.deliveryLatency(), metrics.deliveryLatencyByPath(), metrics.connectLatency(), metrics.subscriptions(),
                    metrics.subscriberErrors());
        }
        double cpuPercent = window.seconds() > 0 ? 100 * window.cpuSeconds() / window.seconds() : 0;
        RunReport.Generator generator = new RunReport.Generator(round(window.cpuSeconds()), round(window.seconds()),
                round(cpuPercent), ProcessCpu.cores(), round(setupSeconds), Runtime.version().toString(),
                "the client library (JDK HttpClient, HTTP/1.1), blocking calls on virtual threads");
        return new RunReport(TOOL, runId, started.toString(), options.describe(), metrics.totals(window.seconds()),
                metrics.latency(), metrics.latencyByOperation(),
                new RunReport.Errors(metrics.errorsByStatus(), metrics.errorsByCause()), metrics.instances(),
                delivery, generator, window.intervals(), java.util.List.of());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
