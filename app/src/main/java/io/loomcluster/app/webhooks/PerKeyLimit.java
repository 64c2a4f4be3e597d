package io.loomcluster.app.webhooks;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * At most {@code max} holders per key at once, without waiting: a key has an entry only while it is
 * held, so the map is bounded by the deliveries in flight, not by every webhook ever seen (a map of
 * semaphores would keep one per webhook forever, and removing an idle semaphore races a taker).
 */
final class PerKeyLimit {
    private final int max;
    private final ConcurrentMap<Long, Integer> held = new ConcurrentHashMap<>();

    PerKeyLimit(int max) {
        this.max = max;
    }

    boolean tryAcquire(long key) {
        boolean[] acquired = {false};
        held.compute(key, (k, count) -> {
            int now = count == null ? 0 : count;
            if (now >= max) {
                return count;
            }
            acquired[0] = true;
            return now + 1;
        });
        return acquired[0];
    }

    void release(long key) {
        held.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
    }

    /** Keys held right now. */
    int keys() {
        return held.size();
    }
}
