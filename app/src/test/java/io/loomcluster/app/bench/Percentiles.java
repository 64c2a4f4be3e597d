package io.loomcluster.app.bench;

import java.util.Arrays;

/** Latencies in microseconds, collected into a bounded array, read as percentiles once at the end. */
public final class Percentiles {
    private final long[] values;
    private int size;

    public Percentiles(int capacity) {
        values = new long[capacity];
    }

    public synchronized void add(long micros) {
        if (size < values.length) {
            values[size++] = micros;
        }
    }

    public synchronized String describe() {
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return String.format("n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms", size, at(sorted, 0.50), at(sorted, 0.99),
                size == 0 ? 0.0 : sorted[size - 1] / 1000.0);
    }

    private static double at(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1000.0;
    }
}
