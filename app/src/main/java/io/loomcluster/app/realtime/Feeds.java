package io.loomcluster.app.realtime;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.IntConsumer;
import java.util.function.ToLongFunction;

/**
 * The feeds of one kind on this instance (rooms' messages, users' notifications), by key. A feed
 * starts with its key's first subscriber and stops with its last, atomically with respect to each
 * other, so no subscriber joins a feed that is stopping.
 */
final class Feeds<T> {
    private final ConcurrentMap<Long, Feed<T>> feeds = new ConcurrentHashMap<>();
    private final FeedSource<T> source;
    private final ToLongFunction<T> idOf;
    private final Signals signals;
    private final IntConsumer fannedOut;
    private final long recheckMillis;

    Feeds(FeedSource<T> source, ToLongFunction<T> idOf, Signals signals, IntConsumer fannedOut, long recheckMillis) {
        this.source = source;
        this.idOf = idOf;
        this.signals = signals;
        this.fannedOut = fannedOut;
        this.recheckMillis = recheckMillis;
    }

    /** Adds the subscriber to its key's feed. */
    void join(Subscriber<T> subscriber) {
        feeds.compute(subscriber.key(), (key, feed) -> {
            Feed<T> live = feed != null ? feed : new Feed<>(key, source, idOf, signals, fannedOut, Feed.PAGE, recheckMillis);
            live.add(subscriber);
            return live;
        });
    }

    /**
     * Adds the subscriber to its key's feed, first closing (with {@code reason}) the oldest open ones
     * beyond {@code maxPerKey - 1}: the newest connection wins, as a reloaded page's should, while its
     * predecessor may be a dead one that no write has found out yet.
     */
    void joinEvictingOldest(Subscriber<T> subscriber, int maxPerKey, String reason) {
        feeds.compute(subscriber.key(), (key, feed) -> {
            Feed<T> live = feed != null ? feed : new Feed<>(key, source, idOf, signals, fannedOut, Feed.PAGE, recheckMillis);
            List<Subscriber<T>> open = live.subscribers().stream().filter(s -> !s.isClosed())
                    .sorted(Comparator.comparingLong(Subscriber::openedNanos)).toList();
            for (int i = 0; i <= open.size() - maxPerKey; i++) {
                open.get(i).close(reason);
            }
            live.add(subscriber);
            return live;
        });
    }

    void leave(Subscriber<T> subscriber) {
        feeds.computeIfPresent(subscriber.key(), (key, feed) -> {
            if (feed.remove(subscriber)) {
                feed.stop();
                return null;
            }
            return feed;
        });
    }

    /** The live subscribers of one key (a snapshot-free view: it may change while read). */
    Set<Subscriber<T>> subscribers(long key) {
        Feed<T> feed = feeds.get(key);
        return feed == null ? Set.of() : feed.subscribers();
    }

    /** The key's subscribers not yet closed, counted atomically with respect to joins and leaves. */
    int open(long key) {
        int[] open = {0};
        feeds.computeIfPresent(key, (k, feed) -> {
            open[0] = (int) feed.subscribers().stream().filter(s -> !s.isClosed()).count();
            return feed;
        });
        return open[0];
    }

    /** Ends every subscription with the reason (shutdown). */
    void closeAll(String reason) {
        feeds.values().forEach(feed -> feed.subscribers().forEach(s -> s.close(reason)));
    }
}
