package io.loomcluster.app.realtime;

import io.loomcluster.app.metrics.Metrics;
import io.loomcluster.contract.Names;
import io.micrometer.core.instrument.Counter;

import java.util.concurrent.atomic.AtomicInteger;

/** Live connections by kind, messages fanned out, replayed and consumers dropped for being slow. */
public final class LiveMetrics {
    private final AtomicInteger sse = new AtomicInteger();
    private final AtomicInteger websocket = new AtomicInteger();
    private final Counter fannedOut;
    private final Counter dropped;
    private final Counter ephemeralDropped;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.locks.Condition none = lock.newCondition();

    public LiveMetrics(Metrics metrics) {
        metrics.gauge(Names.LIVE_CONNECTIONS_SSE, "open Server-Sent Events streams", sse::get);
        metrics.gauge(Names.LIVE_CONNECTIONS_WEBSOCKET, "open WebSocket connections", websocket::get);
        fannedOut = Counter.builder("loom_live_messages_fanned_out").description("messages read for live subscribers")
                .register(metrics.registry());
        dropped = Counter.builder("loom_live_consumers_dropped").description("subscribers disconnected for falling behind")
                .register(metrics.registry());
        ephemeralDropped = Counter.builder("loom_live_ephemeral_dropped")
                .description("typing, presence and read events not queued because a subscriber's buffer was full")
                .register(metrics.registry());
    }

    // Long-polls are counted where they are bounded, by the messages routes.
    void opened(Subscriber.Kind kind) {
        switch (kind) {
            case SSE -> sse.incrementAndGet();
            case WEBSOCKET -> websocket.incrementAndGet();
            case LONGPOLL -> { }
        }
    }

    void closed(Subscriber.Kind kind) {
        switch (kind) {
            case SSE -> sse.decrementAndGet();
            case WEBSOCKET -> websocket.decrementAndGet();
            case LONGPOLL -> { }
        }
        if (open() == 0) {
            lock.lock();
            try {
                none.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Waits until no SSE or WebSocket connection is open, up to the timeout; true when none is. */
    boolean awaitNoneOpen(java.time.Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (open() > 0 && remaining > 0) {
                remaining = none.awaitNanos(remaining);
            }
            return open() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    int open() {
        return sse.get() + websocket.get();
    }

    void fannedOut(int count) {
        fannedOut.increment(count);
    }

    void dropped() {
        dropped.increment();
    }

    void ephemeralDropped() {
        ephemeralDropped.increment();
    }
}
