package io.loomcluster.app.sessions;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions this instance has read from Redis, so that a hot session costs no round trip. Correct
 * across instances because of three rules:
 * <ul>
 *   <li>an entry is trusted only until its {@code recheckAt}, a fraction of the idle timeout after
 *       the read that extended the key's TTL to the full timeout, so it never outlives the key;</li>
 *   <li>a logout on any instance reaches every instance as an invalidation ({@link SessionInvalidations})
 *       that removes the entry; an invalidation that races a lookup keeps the lookup's result out
 *       (the {@code invalidations} count is read before the Redis read and checked after the put);</li>
 *   <li>the cache serves only while the invalidation subscription is known to be up: losing it
 *       flushes and disables the cache until it is re-established (then empty), so a missed
 *       invalidation can never leave stale authority behind.</li>
 * </ul>
 * Bounded: at {@code maxEntries} the cache is cleared and refills with the sessions in use.
 */
final class SessionCache {
    record Entry(Session session, long recheckAtNanos) {
    }

    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong invalidations = new AtomicLong();
    private final int maxEntries;
    private volatile boolean enabled;

    SessionCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** The cached session, or null when there is none, it is due for a re-check, or the cache is off. */
    Session get(String id, long nowNanos) {
        if (!enabled) {
            return null;
        }
        Entry entry = entries.get(id);
        if (entry == null) {
            return null;
        }
        if (nowNanos - entry.recheckAtNanos() >= 0) {
            entries.remove(id, entry);
            return null;
        }
        return entry.session();
    }

    /** Read before the Redis lookup whose result is offered to {@link #put}. */
    long mark() {
        return invalidations.get();
    }

    /** Caches a lookup's result unless an invalidation (or a flush) happened since {@code mark}. */
    void put(String id, Session session, long recheckAtNanos, long mark) {
        if (!enabled || invalidations.get() != mark) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Entry entry = new Entry(session, recheckAtNanos);
        entries.put(id, entry);
        // An invalidation between the check above and the put: take the entry back out.
        if (invalidations.get() != mark || !enabled) {
            entries.remove(id, entry);
        }
    }

    void invalidate(String id) {
        invalidations.incrementAndGet();
        entries.remove(id);
    }

    /** The invalidation subscription is up (again): serve from the cache, starting empty. */
    void enable() {
        invalidations.incrementAndGet();
        entries.clear();
        enabled = true;
    }

    /** The invalidation subscription is down or in doubt: serve nothing from the cache. */
    void disable() {
        enabled = false;
        invalidations.incrementAndGet();
        entries.clear();
    }

    boolean enabled() {
        return enabled;
    }

    int size() {
        return entries.size();
    }
}
