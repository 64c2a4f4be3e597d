package io.loomcluster.lb.access;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One line per request ({@code LB_ACCESS_LOG}), written off the event loops: a loop only puts a
 * small record in a bounded queue, and one thread of its own formats and writes the queue out every
 * {@link #DRAIN_MILLIS} ms through the {@code access} logger (Logback; its encoder is in
 * {@code logback.xml}). A full queue drops the line and counts it ({@code lb_access_log_dropped_total}):
 * logging never slows the data path. Nothing wakes the writer per request, so the log costs no
 * context switch per request (Logback's AsyncAppender would wake its worker for every event).
 */
public final class AccessLog implements AutoCloseable {
    static final int CAPACITY = 16_384;
    static final long DRAIN_MILLIS = 50;
    private static final Logger LOG = LoggerFactory.getLogger("access");

    /** What one request did; formatted on the writer's thread. */
    record Entry(String method, String target, int status, String backend, long bytes, long nanos,
                 String requestId, String traceId) {
    }

    private final boolean enabled;
    private final Consumer<Entry> writer;
    private final ArrayBlockingQueue<Entry> queue;
    private final LongAdder dropped = new LongAdder();
    private final Thread thread;
    private volatile boolean closed;

    AccessLog(boolean enabled, int capacity, Consumer<Entry> writer) {
        this.enabled = enabled;
        this.writer = writer;
        this.queue = enabled ? new ArrayBlockingQueue<>(capacity) : null;
        this.thread = enabled ? Thread.ofPlatform().name("access-log").daemon().unstarted(this::run) : null;
        if (enabled) {
            thread.start();
        }
    }

    /** The access log of the balancer (or one that logs nothing), writing through the {@code access} logger. */
    public static AccessLog start(boolean enabled) {
        return new AccessLog(enabled, CAPACITY, AccessLog::write);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Lines dropped so far because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    /** Called on the event loop when a request ends; never blocks. */
    public void log(String method, String target, int status, String backend, long bytes, long nanos,
                    String requestId, String traceId) {
        if (!queue.offer(new Entry(method, target, status, backend, bytes, nanos, requestId, traceId))) {
            dropped.increment();
        }
    }

    private void run() {
        List<Entry> batch = new ArrayList<>(1024);
        while (!closed || !queue.isEmpty()) {
            if (queue.drainTo(batch, 1024) == 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS));
                continue;
            }
            for (Entry e : batch) {
                writer.accept(e);
            }
            batch.clear();
        }
    }

    private static void write(Entry e) {
        var line = LOG.atInfo()
                .addKeyValue("method", e.method())
                .addKeyValue("path", e.target())
                .addKeyValue("status", e.status())
                .addKeyValue("backend", e.backend())
                .addKeyValue("bytes", e.bytes())
                .addKeyValue("ms", String.format("%.3f", e.nanos() / 1e6))
                .addKeyValue("id", e.requestId());
        if (e.traceId() != null) {
            line = line.addKeyValue("traceId", e.traceId());
        }
        line.log("request");
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        if (!enabled) {
            return;
        }
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
