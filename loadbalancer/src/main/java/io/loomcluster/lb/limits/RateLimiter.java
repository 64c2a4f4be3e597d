package io.loomcluster.lb.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * {@code LB_RATE_LIMIT} and {@code LB_RATE_BURST}: a token bucket per client address, shared by all
 * event loops. A bucket holds up to {@code burst} tokens, refills at {@code perSecond}, and each
 * request takes one; with none left the request is answered 429 with the seconds until the next
 * token.
 *
 * <p>The table is bounded ({@code LB_RATE_LIMIT_CLIENTS}). A bucket that has refilled to the brim
 * is the same as no bucket, so {@link #sweep()} (every few seconds, and when the table is full)
 * drops those without changing any answer. If the table is still full, a new address shares one
 * of {@value #OVERFLOW_BUCKETS} overflow buckets chosen by its hash (counted in {@link #untracked()}):
 * the limit never fails open, and a crowd of more distinct addresses than the bound can exhaust
 * only the overflow buckets, never the buckets of the clients already tracked.
 */
public final class RateLimiter {
    private static final long SWEEP_AT_BOUND_NANOS = 100_000_000L;
    static final int OVERFLOW_BUCKETS = 1024;

    private final double perNano;
    private final double burst;
    private final int maxClients;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong limited = new AtomicLong();
    private final AtomicLong untracked = new AtomicLong();
    private final AtomicLong lastSweep = new AtomicLong(Long.MIN_VALUE / 2);
    private final Bucket[] overflow = new Bucket[OVERFLOW_BUCKETS];

    public RateLimiter(double perSecond, int burst, int maxClients, LongSupplier nanoClock) {
        if (perSecond <= 0 || burst < 1 || maxClients < 1) {
            throw new IllegalArgumentException("rate, burst and table size must be positive");
        }
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.maxClients = maxClients;
        this.clock = nanoClock;
        long now = nanoClock.getAsLong();
        for (int i = 0; i < OVERFLOW_BUCKETS; i++) {
            overflow[i] = new Bucket(burst, now);
        }
    }

    /**
     * Takes a token for {@code client}: 0 when the request may go on, else the whole seconds (at
     * least 1) until the next token, for {@code Retry-After}.
     */
    public long acquire(String client) {
        long now = clock.getAsLong();
        Bucket bucket = buckets.get(client);
        if (bucket == null) {
            if (buckets.size() >= maxClients) {
                sweepAtBound(now);
                if (buckets.size() >= maxClients) {
                    untracked.incrementAndGet();
                    bucket = overflow[Math.floorMod(client.hashCode() * 0x9E3779B9, OVERFLOW_BUCKETS)];
                    long wait = bucket.take(now, perNano, burst);
                    if (wait > 0) {
                        limited.incrementAndGet();
                    }
                    return wait;
                }
            }
            bucket = buckets.computeIfAbsent(client, k -> new Bucket(burst, now));
        }
        long wait = bucket.take(now, perNano, burst);
        if (wait > 0) {
            limited.incrementAndGet();
        }
        return wait;
    }

    private void sweepAtBound(long now) {
        long last = lastSweep.get();
        if (now - last >= SWEEP_AT_BOUND_NANOS && lastSweep.compareAndSet(last, now)) {
            sweep();
        }
    }

    /** Drops the buckets that are full again (their clients have been quiet long enough). */
    public void sweep() {
        long now = clock.getAsLong();
        buckets.entrySet().removeIf(e -> e.getValue().full(now, perNano, burst));
    }

    public int tracked() {
        return buckets.size();
    }

    public long limited() {
        return limited.get();
    }

    public long untracked() {
        return untracked.get();
    }

    /** One client's tokens; the lock is held for a few arithmetic operations, never across I/O. */
    private static final class Bucket {
        private double tokens;
        private long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        synchronized long take(long now, double perNano, double burst) {
            refill(now, perNano, burst);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            double seconds = (1 - tokens) / perNano / 1e9;
            return Math.max(1, (long) Math.ceil(seconds));
        }

        synchronized boolean full(long now, double perNano, double burst) {
            refill(now, perNano, burst);
            return tokens >= burst;
        }

        private void refill(long now, double perNano, double burst) {
            if (now > updated) {
                tokens = Math.min(burst, tokens + (now - updated) * perNano);
                updated = now;
            }
        }
    }
}
