package io.loomcluster.lb.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code LB_MAX_CONNECTIONS_PER_CLIENT}: open connections per client address, across all event
 * loops. A connection over the limit is closed as soon as it is accepted. The table holds only
 * addresses with a connection open (an entry goes with its last connection), so it is bounded by
 * the connection cap ({@code LB_MAX_CLIENT_CONNECTIONS}).
 */
public final class ClientConnectionCounter {
    private final int max;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    public ClientConnectionCounter(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive");
        }
        this.max = max;
    }

    /** Counts a new connection from {@code client}; false (and nothing counted) when it has {@code max} open. */
    public boolean tryOpen(String client) {
        boolean[] admitted = {false};
        open.compute(client, (k, count) -> {
            int now = count == null ? 0 : count;
            if (now >= max) {
                return count;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            refused.incrementAndGet();
        }
        return admitted[0];
    }

    /** A connection counted by {@link #tryOpen} closed. */
    public void closed(String client) {
        open.computeIfPresent(client, (k, count) -> count <= 1 ? null : count - 1);
    }

    public int open(String client) {
        return open.getOrDefault(client, 0);
    }

    public int addresses() {
        return open.size();
    }

    public long refused() {
        return refused.get();
    }
}
