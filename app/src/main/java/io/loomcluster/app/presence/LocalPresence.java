package io.loomcluster.app.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * This instance's live room connections, counted per (room, user), and whether Redis holds this
 * instance's entry for each. Connects and disconnects only count and mark the pair dirty; one
 * flusher thread turns the dirty pairs whose state differs from what Redis holds into changes.
 * So a connect and disconnect between two flushes cancel out, a user's tenth tab costs nothing, and
 * what waits for Redis is a set of pairs, never larger than the pairs with connections (plus those
 * that just lost their last one): it cannot overflow, however long Redis is away.
 *
 * Everything but {@link #connected} and {@link #disconnected} runs on the flusher thread.
 */
final class LocalPresence {
    record Key(long roomId, long userId) {
    }

    /** One change for Redis: add (or remove) this instance's entry "room:user:username". */
    record Change(Key key, String username, boolean add) {
        String entry() {
            return key.roomId() + ":" + key.userId() + ":" + username;
        }
    }

    // connections: live here now; announced: Redis holds this instance's entry; idleSince: when the last one closed.
    private record Entry(int connections, boolean announced, String username, long idleSinceNanos) {
        boolean live() {
            return connections > 0;
        }

        Entry announced(boolean value) {
            return new Entry(connections, value, username, idleSinceNanos);
        }
    }

    private final ConcurrentMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final Set<Key> dirty = ConcurrentHashMap.newKeySet();
    private final LongSupplier nanos;
    private final long graceNanos;
    private int announced;

    LocalPresence(LongSupplier nanos, long graceNanos) {
        this.nanos = nanos;
        this.graceNanos = graceNanos;
    }

    void connected(long roomId, long userId) {
        Key key = new Key(roomId, userId);
        Entry now = entries.merge(key, new Entry(1, false, null, 0),
                (old, one) -> new Entry(old.connections + 1, old.announced, old.username, 0));
        if (now.connections == 1) {
            dirty.add(key);
        }
    }

    void disconnected(long roomId, long userId) {
        Key key = new Key(roomId, userId);
        long at = nanos.getAsLong();
        Entry now = entries.computeIfPresent(key,
                (k, old) -> new Entry(Math.max(0, old.connections - 1), old.announced, old.username, at));
        if (now != null && now.connections == 0) {
            dirty.add(key);
        }
    }

    /**
     * Up to {@code max} changes Redis needs now. A pair that lost its last connection less than the
     * grace ago waits; names of users not yet seen here are looked up once, for all of them. When
     * the lookup throws, the pairs stay dirty.
     */
    List<Change> changes(int max, Usernames usernames) {
        List<Key> picked = new ArrayList<>();
        for (Iterator<Key> it = dirty.iterator(); it.hasNext() && picked.size() < max; ) {
            picked.add(it.next());
            it.remove();
        }
        Map<Long, String> names;
        try {
            names = lookUp(picked, usernames);
        } catch (RuntimeException e) {
            dirty.addAll(picked);
            throw e;
        }
        long now = nanos.getAsLong();
        List<Change> changes = new ArrayList<>();
        List<Key> waiting = new ArrayList<>();
        for (Key key : picked) {
            entries.computeIfPresent(key, (k, e) -> {
                String name = e.username != null ? e.username : names.get(k.userId());
                Entry named = new Entry(e.connections, e.announced, name, e.idleSinceNanos);
                if (e.live() == e.announced || (e.live() && name == null)) {
                    // Nothing to tell (or a user PostgreSQL no longer knows); a pair with neither is forgotten.
                    return e.live() || e.announced ? named : null;
                }
                if (!e.live() && now - e.idleSinceNanos < graceNanos) {
                    waiting.add(k);
                    return e;
                }
                changes.add(new Change(k, name, e.live()));
                return named;
            });
        }
        dirty.addAll(waiting);
        return changes;
    }

    private Map<Long, String> lookUp(List<Key> keys, Usernames usernames) {
        Set<Long> unnamed = new HashSet<>();
        for (Key key : keys) {
            Entry e = entries.get(key);
            if (e != null && e.live() && e.username == null) {
                unnamed.add(key.userId());
            }
        }
        // A user already named in another room of this instance needs no query.
        Map<Long, String> names = new HashMap<>();
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (unnamed.contains(e.getKey().userId()) && e.getValue().username != null) {
                names.put(e.getKey().userId(), e.getValue().username);
            }
        }
        unnamed.removeAll(names.keySet());
        if (!unnamed.isEmpty()) {
            names.putAll(usernames.of(unnamed));
        }
        return names;
    }

    /** Redis applied these changes. */
    void applied(List<Change> changes) {
        for (Change change : changes) {
            Entry now = entries.computeIfPresent(change.key(), (k, e) -> {
                Entry after = e.announced(change.add());
                return after.live() || after.announced ? after : null;
            });
            announced += change.add() ? 1 : -1;
            if (now != null && now.live() != now.announced) {
                dirty.add(change.key());
            }
        }
    }

    /** Redis did not take these changes: they are tried again at the next flush. */
    void failed(List<Change> changes) {
        changes.forEach(c -> dirty.add(c.key()));
    }

    /** Every entry Redis should hold for this instance: pairs with connections, and those in their grace. */
    List<Change> everything(Usernames usernames) {
        List<Key> keys = new ArrayList<>(entries.keySet());
        Map<Long, String> names = lookUp(keys, usernames);
        long now = nanos.getAsLong();
        List<Change> all = new ArrayList<>();
        for (Key key : keys) {
            entries.computeIfPresent(key, (k, e) -> {
                String name = e.username != null ? e.username : names.get(k.userId());
                boolean held = e.live() || (e.announced && now - e.idleSinceNanos < graceNanos);
                if (held && name != null) {
                    all.add(new Change(k, name, true));
                }
                return new Entry(e.connections, e.announced, name, e.idleSinceNanos);
            });
        }
        return all;
    }

    /** Redis now holds exactly {@code held} for this instance (after a resync). */
    void reset(List<Change> held) {
        Set<Key> heldKeys = new HashSet<>();
        held.forEach(c -> heldKeys.add(c.key()));
        for (Key key : entries.keySet()) {
            entries.computeIfPresent(key, (k, e) -> {
                Entry after = e.announced(heldKeys.contains(k));
                return after.live() || after.announced ? after : null;
            });
        }
        announced = heldKeys.size();
        dirty.addAll(entries.keySet());
    }

    /** How many entries Redis should hold for this instance. */
    int announced() {
        return announced;
    }

    /** Pairs waiting to be told to Redis (for tests and metrics). */
    int pending() {
        return dirty.size();
    }

    /** Pairs with live connections here. */
    int live() {
        return (int) entries.values().stream().filter(Entry::live).count();
    }
}
