package io.loomcluster.loadtest.run;

import io.loomcluster.loadtest.metrics.IntervalSample;
import io.loomcluster.loadtest.metrics.LatencyStats;
import io.loomcluster.loadtest.metrics.Metrics;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Closes an interval of the metrics every second on its own thread, keeps the samples for the report and
 * prints the progress line. It is the metrics' only reader until {@link #stop()} returns.
 */
final class Sampler {
    private static final long SECOND = 1_000_000_000L;

    private final Metrics metrics;
    private final PrintStream progress;
    private final List<IntervalSample> samples = new ArrayList<>();
    private volatile boolean stopping;
    private Thread thread;
    private long startNanos;
    private long lastNanos;
    private long lastCpu;

    /** {@code progress} may be null for a quiet run. */
    Sampler(Metrics metrics, PrintStream progress) {
        this.metrics = metrics;
        this.progress = progress;
    }

    void start(long startNanos) {
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
        this.lastCpu = ProcessCpu.nanos();
        thread = Thread.ofPlatform().daemon().name("loadtest-sampler").start(this::loop);
    }

    private void loop() {
        long next = startNanos + SECOND;
        while (!stopping) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            sample(next, true);
            next += SECOND;
        }
    }

    private void sample(long now, boolean print) {
        long cpu = ProcessCpu.nanos();
        double seconds = (now - lastNanos) / 1e9;
        double cpuPercent = seconds > 0 ? 100.0 * (cpu - lastCpu) / (now - lastNanos) : 0;
        IntervalSample s = metrics.takeInterval((now - startNanos) / 1e9, seconds, cpuPercent);
        samples.add(s);
        lastNanos = now;
        lastCpu = cpu;
        if (print && progress != null) {
            progress.println(line(s, metrics.latency()));
        }
    }

    private String line(IntervalSample s, LatencyStats total) {
        String delivery = s.deliveries() > 0 ? String.format(Locale.ROOT, "  delivered %d (p99 %.1fms)",
                s.deliveries(), s.deliveryP99()) : "";
        return String.format(Locale.ROOT, "[%5.0fs] %8.1f req/s  p99 %8.2fms  (all %8.2fms)  errors %d  in-flight %d"
                        + "  cpu %.0f%%%s", s.t(), s.rate(), s.p99(), total.p99(), s.errors(), s.inFlight(),
                s.cpuPercent(), delivery);
    }

    /** Stops the thread and closes the last, partial interval; the caller becomes the metrics' reader. */
    List<IntervalSample> stop() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long now = System.nanoTime();
        if (now - lastNanos > SECOND / 100) {
            // The last, partial interval goes into the report but not onto the progress line.
            sample(now, false);
        } else {
            metrics.takeInterval((now - startNanos) / 1e9, 0, 0);
        }
        return List.copyOf(samples);
    }
}
