package io.loomcluster.app.jobs;

import io.loomcluster.contract.QueueFigures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Job counters by type, the enqueue-to-done latency histogram, and stream gauges from the last sample. */
public final class JobMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void done(String type, long latencyMillis) {
        counter("loom_jobs_done", type).increment();
        latencies.computeIfAbsent(type, t -> Timer.builder("loom_jobs_latency")
                        .description("time from enqueue to done, retries included")
                        .tag("type", t)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofMinutes(10))
                        .register(registry))
                .record(Duration.ofMillis(Math.max(0, latencyMillis)));
    }

    void retried(String type) {
        counter("loom_jobs_retried", type).increment();
    }

    void deferred(String type) {
        counter("loom_jobs_deferred", type).increment();
    }

    void deadLettered(String type) {
        counter("loom_jobs_dead_lettered", type).increment();
    }

    /** Gauges of one queue, read from {@code stats} (a sample refreshed by {@link JobMaintenance}). */
    public void register(String type, Supplier<QueueFigures> stats) {
        gauge("loom_jobs_stream_length", "entries in the job stream (acknowledged ones until trimmed)", type,
                () -> stats.get().length());
        gauge("loom_jobs_pending", "jobs delivered to a worker and not yet acknowledged", type, () -> stats.get().pending());
        gauge("loom_jobs_oldest_pending_seconds", "age of the oldest unacknowledged job", type,
                () -> stats.get().oldestPendingMillis() / 1000.0);
        gauge("loom_jobs_scheduled", "jobs waiting for a retry", type, () -> stats.get().scheduled());
        gauge("loom_jobs_dead", "jobs in the dead-letter stream", type, () -> stats.get().dead());
    }

    private void gauge(String name, String description, String type, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag("type", type).register(registry);
    }

    private Counter counter(String name, String type) {
        return counters.computeIfAbsent(name + "|" + type, k -> Counter.builder(name).tag("type", type).register(registry));
    }
}
