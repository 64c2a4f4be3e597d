package io.loomcluster.lb.dashboard;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;

import java.util.function.Supplier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One sample a second of every backend's counters, kept for the last {@link #SAMPLES} seconds.
 * Only the dashboard's ticker calls {@link #sample}, so the series need no lock; memory is bounded by
 * the ring size times the number of backends discovered right now (a removed backend's series goes).
 */
final class TrafficHistory {
    static final int SAMPLES = 300;

    /** What one backend did during the last sample interval, and its series so far. */
    record BackendSample(Backend backend, double rps, double errorPercent, Double p50Millis, Double p99Millis,
                         Series series) {
    }

    /** Cluster-wide sums of the last interval and the series of requests per second and errors. */
    record ClusterSample(double rps, double errorPercent, int inFlight, Ring rpsSeries, Ring errorSeries) {
    }

    record Sample(long timeMillis, ClusterSample cluster, List<BackendSample> backends) {
    }

    /** The rings of one backend: requests per second, error %, p99 ms (NaN when idle), in flight. */
    record Series(Ring rps, Ring errorPercent, Ring p99Millis, Ring inFlight) {
        Series() {
            this(new Ring(SAMPLES), new Ring(SAMPLES), new Ring(SAMPLES), new Ring(SAMPLES));
        }
    }

    private final Supplier<BackendPool.Snapshot> pool;
    private final Map<Backend, Counters> counters = new HashMap<>();
    private final Ring clusterRps = new Ring(SAMPLES);
    private final Ring clusterErrors = new Ring(SAMPLES);

    TrafficHistory(Supplier<BackendPool.Snapshot> pool) {
        this.pool = pool;
    }

    /** Reads every backend's counters once and appends to its series; called about once a second. */
    Sample sample(long nowNanos, long nowMillis) {
        List<Backend> all = pool.get().all();
        counters.keySet().retainAll(all);
        List<BackendSample> backends = new ArrayList<>(all.size());
        long clusterRequests = 0;
        long clusterFailures = 0;
        double clusterSeconds = 0;
        int inFlight = 0;
        for (Backend backend : all) {
            Counters c = counters.computeIfAbsent(backend, b -> new Counters(b, nowNanos));
            long requests = backend.requests();
            long failures = backend.failures();
            long deltaRequests = requests - c.requests;
            long deltaFailures = failures - c.failures;
            double seconds = Math.max(1e-3, (nowNanos - c.atNanos) / 1e9);
            c.requests = requests;
            c.failures = failures;
            c.atNanos = nowNanos;
            Backend.LatencyWindow latency = backend.takeLatencyWindow();
            double rps = deltaRequests / seconds;
            double errorPercent = percent(deltaFailures, deltaRequests);
            Double p50 = latency.count() == 0 ? null : latency.p50Micros() / 1000.0;
            Double p99 = latency.count() == 0 ? null : latency.p99Micros() / 1000.0;
            c.series.rps().add(rps);
            c.series.errorPercent().add(errorPercent);
            c.series.p99Millis().add(p99 == null ? Double.NaN : p99);
            c.series.inFlight().add(backend.inFlight());
            backends.add(new BackendSample(backend, rps, errorPercent, p50, p99, c.series));
            clusterRequests += deltaRequests;
            clusterFailures += deltaFailures;
            clusterSeconds = Math.max(clusterSeconds, seconds);
            inFlight += backend.inFlight();
        }
        double rps = clusterSeconds == 0 ? 0 : clusterRequests / clusterSeconds;
        double errorPercent = percent(clusterFailures, clusterRequests);
        clusterRps.add(rps);
        clusterErrors.add(errorPercent);
        return new Sample(nowMillis, new ClusterSample(rps, errorPercent, inFlight, clusterRps, clusterErrors),
                backends);
    }

    private static double percent(long part, long whole) {
        return whole <= 0 ? 0 : Math.min(100, 100.0 * part / whole);
    }

    /** The counters at the previous sample, to turn totals into rates. */
    private static final class Counters {
        final Series series = new Series();
        long requests;
        long failures;
        long atNanos;

        Counters(Backend backend, long nowNanos) {
            requests = backend.requests();
            failures = backend.failures();
            atNanos = nowNanos;
        }
    }

    /** A fixed-size ring of doubles, oldest first when read. */
    static final class Ring {
        private final double[] values;
        private int next;
        private int size;

        Ring(int capacity) {
            values = new double[capacity];
        }

        void add(double value) {
            values[next] = value;
            next = (next + 1) % values.length;
            size = Math.min(size + 1, values.length);
        }

        int size() {
            return size;
        }

        /** The i-th value, oldest first. */
        double get(int i) {
            return values[(next - size + i + values.length) % values.length];
        }

        /** A copy, oldest first: for a reader on another thread. */
        double[] toArray() {
            double[] copy = new double[size];
            for (int i = 0; i < size; i++) {
                copy[i] = get(i);
            }
            return copy;
        }
    }
}
