package io.loomcluster.loadtest.metrics;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything one run measures. Recording is lock-free and safe from any thread; the reading methods
 * ({@link #takeInterval}, the totals and percentiles) belong to a single reader at a time: the sampler
 * while the run is going, the caller once the sampler has stopped.
 */
public final class Metrics {
    public static final String DROPPED = "dropped: in-flight cap reached";
    public static final String ABANDONED = "abandoned at deadline";

    private final LatencyRecorder all = new LatencyRecorder();
    private final ConcurrentMap<String, LatencyRecorder> byOperation = new ConcurrentHashMap<>();
    private final LatencyRecorder delivery = new LatencyRecorder();
    private final ConcurrentMap<String, LatencyRecorder> deliveryByPath = new ConcurrentHashMap<>();
    private final LatencyRecorder connect = new LatencyRecorder();
    private final Set<Ticket> inFlight = ConcurrentHashMap.newKeySet();

    private final LongAdder successes = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder intervalRequests = new LongAdder();
    private final LongAdder intervalErrors = new LongAdder();
    private final LongAdder intervalDeliveries = new LongAdder();
    private final ConcurrentMap<String, LongAdder> errorsByStatus = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> errorsByCause = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> instances = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> subscriberErrors = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> subscriptions = new ConcurrentHashMap<>();

    /** Starts measuring an operation that was due at {@code intendedStartNanos} (a {@link System#nanoTime()}). */
    public Ticket begin(long intendedStartNanos) {
        Ticket ticket = new Ticket(this, intendedStartNanos);
        inFlight.add(ticket);
        return ticket;
    }

    /** An arrival that could not start because the in-flight cap was reached: an error without latency. */
    public void drop(long intendedStartNanos) {
        new Ticket(this, intendedStartNanos).abandon(DROPPED);
    }

    /** Completes every operation still in flight as abandoned; returns how many there were. */
    public int abandonInFlight() {
        int count = 0;
        for (Ticket ticket : inFlight) {
            if (ticket.abandon(ABANDONED)) {
                count++;
            }
        }
        return count;
    }

    public long inFlight() {
        return inFlight.size();
    }

    void onResponse(Ticket ticket, String operation, int status, String instanceId, long endNanos) {
        recordLatency(ticket, operation, endNanos);
        if (status >= 200 && status < 300) {
            successes.increment();
            count(instances, instanceId == null || instanceId.isBlank() ? "(no X-Instance-Id)" : instanceId);
        } else {
            countError(errorsByStatus, Integer.toString(status));
        }
    }

    void onFailure(Ticket ticket, String operation, String cause, long endNanos) {
        recordLatency(ticket, operation, endNanos);
        countError(errorsByCause, cause);
    }

    void onUnmeasured(Ticket ticket, String cause) {
        inFlight.remove(ticket);
        intervalRequests.increment();
        (DROPPED.equals(cause) ? dropped : abandoned).increment();
        countError(errorsByCause, cause);
    }

    private void recordLatency(Ticket ticket, String operation, long endNanos) {
        inFlight.remove(ticket);
        intervalRequests.increment();
        all.record(ticket.intendedStartNanos(), endNanos);
        byOperation.computeIfAbsent(operation, k -> new LatencyRecorder()).record(ticket.intendedStartNanos(), endNanos);
    }

    private void countError(ConcurrentMap<String, LongAdder> byKey, String key) {
        errors.increment();
        intervalErrors.increment();
        count(byKey, key);
    }

    private static void count(ConcurrentMap<String, LongAdder> byKey, String key) {
        byKey.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** A message of this run arrived at a subscriber, {@code latencyNanos} after it was due to be sent. */
    public void delivered(long latencyNanos) {
        delivered(latencyNanos, null);
    }

    /** The same, also recorded under {@code path} (e.g. {@code ws cross-target}) when it is not null. */
    public void delivered(long latencyNanos, String path) {
        deliveries.increment();
        intervalDeliveries.increment();
        delivery.recordNanos(latencyNanos);
        if (path != null) {
            deliveryByPath.computeIfAbsent(path, k -> new LatencyRecorder()).recordNanos(latencyNanos);
        }
    }

    public void duplicate() {
        duplicates.increment();
    }

    /**
     * A live subscription was established (SSE stream open, WebSocket upgraded, first poll answered) after
     * {@code nanos}, on the named instance.
     */
    public void connected(long nanos, String instance) {
        connect.recordNanos(nanos);
        count(subscriptions, instance);
    }

    /** A subscriber lost or could not open its connection; it reconnects, so this is not a request error. */
    public void subscriberError(String cause) {
        count(subscriberErrors, cause);
    }

    /** Closes the current interval; {@code seconds} is its length. Reader only. */
    public IntervalSample takeInterval(double t, double seconds, double cpuPercent) {
        LatencyStats latency = LatencyStats.of(all.takeInterval());
        byOperation.values().forEach(LatencyRecorder::takeInterval);
        LatencyStats deliveryStats = LatencyStats.of(delivery.takeInterval());
        deliveryByPath.values().forEach(LatencyRecorder::takeInterval);
        connect.takeInterval();
        long requests = intervalRequests.sumThenReset();
        double rate = seconds > 0 ? requests / seconds : 0;
        return new IntervalSample(round(t), requests, round(rate), intervalErrors.sumThenReset(), latency.p50(),
                latency.p90(), latency.p99(), latency.max(), intervalDeliveries.sumThenReset(), deliveryStats.p99(),
                inFlight.size(), round(cpuPercent));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    public Totals totals(double seconds) {
        long ok = successes.sum();
        long failed = errors.sum();
        long requests = ok + failed;
        return new Totals(requests, ok, failed, dropped.sum(), abandoned.sum(), round(seconds),
                round(seconds > 0 ? requests / seconds : 0), requests == 0 ? 0 : (double) failed / requests);
    }

    public LatencyStats latency() {
        return LatencyStats.of(all.cumulative());
    }

    public Map<String, LatencyStats> latencyByOperation() {
        Map<String, LatencyStats> out = new TreeMap<>();
        byOperation.forEach((op, rec) -> out.put(op, LatencyStats.of(rec.cumulative())));
        return out;
    }

    public LatencyStats deliveryLatency() {
        return LatencyStats.of(delivery.cumulative());
    }

    public Map<String, LatencyStats> deliveryLatencyByPath() {
        Map<String, LatencyStats> out = new TreeMap<>();
        deliveryByPath.forEach((path, rec) -> out.put(path, LatencyStats.of(rec.cumulative())));
        return out;
    }

    public LatencyStats connectLatency() {
        return LatencyStats.of(connect.cumulative());
    }

    public long deliveries() {
        return deliveries.sum();
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public Map<String, Long> errorsByStatus() {
        return snapshot(errorsByStatus);
    }

    public Map<String, Long> errorsByCause() {
        return snapshot(errorsByCause);
    }

    public Map<String, Long> instances() {
        return snapshot(instances);
    }

    public Map<String, Long> subscriberErrors() {
        return snapshot(subscriberErrors);
    }

    public Map<String, Long> subscriptions() {
        return snapshot(subscriptions);
    }

    private static Map<String, Long> snapshot(ConcurrentMap<String, LongAdder> byKey) {
        Map<String, Long> out = new TreeMap<>();
        byKey.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
