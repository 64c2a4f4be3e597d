package io.loomcluster.app.redis;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Values this instance has read from the source of truth (a session from Redis, a membership from
 * PostgreSQL), so that a hot one costs no round trip. Correct across instances because of three rules:
 * <ul>
 *   <li>an entry is trusted only until its {@code recheckAt}, chosen by the caller so that the entry
 *       never outlives what it copies (a session's key TTL) or is re-read often enough;</li>
 *   <li>a change on any instance reaches every instance as an invalidation (a Redis pub/sub message,
 *       {@link Subscription}) that removes the entry; an invalidation that races a lookup keeps the
 *       lookup's result out (the invalidation count is read before the lookup and checked after the put);</li>
 *   <li>the cache serves only while the invalidation subscription is known to be up: losing it
 *       flushes and disables the cache until it is re-established (then empty), so a missed
 *       invalidation can never leave stale authority behind.</li>
 * </ul>
 * Bounded: at {@code maxEntries} the cache is cleared and refills with the entries in use.
 */
public final class InvalidatedCache<K, V> {
    private record Entry<V>(V value, long recheckAtNanos) {
    }

    private final ConcurrentMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong invalidations = new AtomicLong();
    private final int maxEntries;
    private volatile boolean enabled;

    public InvalidatedCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** The cached value, or null when there is none, it is due for a re-check, or the cache is off. */
    public V get(K key, long nowNanos) {
        if (!enabled) {
            return null;
        }
        Entry<V> entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (nowNanos - entry.recheckAtNanos() >= 0) {
            entries.remove(key, entry);
            return null;
        }
        return entry.value();
    }

    /** Read before the lookup whose result is offered to {@link #put}. */
    public long mark() {
        return invalidations.get();
    }

    /** Caches a lookup's result unless an invalidation (or a flush) happened since {@code mark}. */
    public void put(K key, V value, long recheckAtNanos, long mark) {
        if (!enabled || invalidations.get() != mark) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Entry<V> entry = new Entry<>(value, recheckAtNanos);
        // Checked under the key's bin lock, which invalidate's remove also takes: a put that passes the
        // check finished before that remove (which then takes it out), and one that starts after the
        // remove sees the counter already moved. No reader can see the entry once invalidate returned.
        entries.compute(key, (k, old) -> enabled && invalidations.get() == mark ? entry : old);
    }

    public void invalidate(K key) {
        invalidations.incrementAndGet();
        entries.remove(key);
    }

    /** The invalidation subscription is up (again): serve from the cache, starting empty. */
    public void enable() {
        invalidations.incrementAndGet();
        entries.clear();
        enabled = true;
    }

    /** The invalidation subscription is down or in doubt: serve nothing from the cache. */
    public void disable() {
        enabled = false;
        invalidations.incrementAndGet();
        entries.clear();
    }

    public boolean enabled() {
        return enabled;
    }

    public int size() {
        return entries.size();
    }
}
