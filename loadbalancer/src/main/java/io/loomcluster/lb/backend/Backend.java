package io.loomcluster.lb.backend;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One backend instance and its live counters. The counters are written on the request path without
 * locks; the state is changed only through {@link BackendPool}, which republishes its snapshot.
 */
public final class Backend {
    private static final long MAX_TRACKED_MICROS = TimeUnit.MINUTES.toMicros(10);

    private final URI uri;
    private final String address;
    private volatile BackendState state = BackendState.NEW;
    private volatile InetSocketAddress socketAddress;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger consecutivePasses = new AtomicInteger();
    private final Recorder latency = new Recorder(MAX_TRACKED_MICROS, 2);
    // Readers (admin endpoints) fold the recorder's intervals into the since-start histogram and the
    // window since the last sample; writers never lock.
    private final ReentrantLock latencyReadLock = new ReentrantLock();
    private final Histogram latencyTotal = new Histogram(MAX_TRACKED_MICROS, 2);
    private final Histogram latencyWindow = new Histogram(MAX_TRACKED_MICROS, 2);
    private Histogram recycled;

    public Backend(URI uri) {
        this.uri = uri;
        this.address = uri.getHost() + ":" + uri.getPort();
        this.socketAddress = InetSocketAddress.createUnresolved(hostOf(uri), uri.getPort());
        resolve();
    }

    private static String hostOf(URI uri) {
        String host = uri.getHost();
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Resolves the host name again (off the event loops: called at discovery and before each health
     * check), so a name whose address changed is followed. A name that does not resolve keeps the
     * last address, or stays unresolved, which fails connects at once rather than block a loop.
     */
    public void resolve() {
        InetSocketAddress resolved = new InetSocketAddress(hostOf(uri), uri.getPort());
        if (!resolved.isUnresolved()) {
            socketAddress = resolved;
        }
    }

    /** Where the event loops connect to. */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    /** Open connections from the balancer's event loops (pooled and WebSocket). */
    public int connections() {
        return connections.get();
    }

    public void connectionOpened() {
        connections.incrementAndGet();
    }

    public void connectionClosed() {
        connections.decrementAndGet();
    }

    public URI uri() {
        return uri;
    }

    /** {@code host:port}, the name used in logs, status and metrics. */
    public String address() {
        return address;
    }

    public BackendState state() {
        return state;
    }

    void state(BackendState newState) {
        state = newState;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public long requests() {
        return requests.sum();
    }

    public long failures() {
        return failures.sum();
    }

    /** Called when a request is handed to this backend. */
    public void begin() {
        inFlight.incrementAndGet();
        requests.increment();
    }

    /** Called once per {@link #begin()}, with the time from sending to the end of the response. */
    public void end(long elapsedNanos, boolean failed) {
        inFlight.decrementAndGet();
        if (failed) {
            failures.increment();
        }
        latency.recordValue(Math.min(MAX_TRACKED_MICROS, Math.max(0, elapsedNanos / 1000)));
    }

    AtomicInteger consecutiveFailures() {
        return consecutiveFailures;
    }

    AtomicInteger consecutivePasses() {
        return consecutivePasses;
    }

    /** Latency percentile in microseconds over all requests so far. */
    public long latencyMicros(double percentile) {
        latencyReadLock.lock();
        try {
            foldRecorded();
            return latencyTotal.getTotalCount() == 0 ? 0 : latencyTotal.getValueAtPercentile(percentile);
        } finally {
            latencyReadLock.unlock();
        }
    }

    /** Latency of the requests that ended since the previous call: a sample for a time series. */
    public LatencyWindow takeLatencyWindow() {
        latencyReadLock.lock();
        try {
            foldRecorded();
            LatencyWindow window = new LatencyWindow(latencyWindow.getTotalCount(),
                    latencyWindow.getValueAtPercentile(50), latencyWindow.getValueAtPercentile(99));
            latencyWindow.reset();
            return window;
        } finally {
            latencyReadLock.unlock();
        }
    }

    /** Count and percentiles (microseconds; 0 when the count is 0) of one window of requests. */
    public record LatencyWindow(long count, long p50Micros, long p99Micros) {
    }

    private void foldRecorded() {
        recycled = latency.getIntervalHistogram(recycled);
        latencyTotal.add(recycled);
        latencyWindow.add(recycled);
    }

    @Override
    public String toString() {
        return address;
    }
}
