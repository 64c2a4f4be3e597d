package io.loomcluster.loadtest.lean;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Connection outcomes, counted from every event loop. */
final class LeanStats {
    final AtomicInteger connected = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger failedToConnect = new AtomicInteger();
    final Map<Integer, LongAdder> refusedByStatus = new ConcurrentHashMap<>();

    void connected() {
        connected.incrementAndGet();
    }

    void closed() {
        closed.incrementAndGet();
    }

    void refused(int status) {
        refusedByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    int refused() {
        return refusedByStatus.values().stream().mapToInt(LongAdder::intValue).sum();
    }
}
