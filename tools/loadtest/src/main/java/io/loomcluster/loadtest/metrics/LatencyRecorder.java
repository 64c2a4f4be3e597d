package io.loomcluster.loadtest.metrics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One latency series: many threads record without locks into an HdrHistogram {@link Recorder}; one reader
 * (the per-second sampler, then the end of the run) takes interval histograms and folds them into the
 * cumulative one. Only that reader may call {@link #takeInterval()} and {@link #cumulative()}.
 */
public final class LatencyRecorder {
    /** One hour in microseconds: anything slower is clamped and is a failed run anyway. */
    static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final int DIGITS = 3;

    private final Recorder recorder = new Recorder(1, HIGHEST_MICROS, DIGITS);
    private final Histogram cumulative = new Histogram(1, HIGHEST_MICROS, DIGITS);
    private Histogram recycled;

    /** Records the time from the intended start to the end; a late start still counts from the intended time. */
    public void record(long intendedStartNanos, long endNanos) {
        recordNanos(endNanos - intendedStartNanos);
    }

    public void recordNanos(long nanos) {
        long micros = Math.max(1, Math.min(HIGHEST_MICROS, nanos / 1000));
        recorder.recordValue(micros);
    }

    /** The values recorded since the previous call (valid until the next call), also added to the cumulative one. */
    public Histogram takeInterval() {
        Histogram interval = recorder.getIntervalHistogram(recycled);
        cumulative.add(interval);
        recycled = interval;
        return interval;
    }

    public Histogram cumulative() {
        return cumulative;
    }
}
