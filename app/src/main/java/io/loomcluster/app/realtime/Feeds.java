package io.loomcluster.app.realtime;

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

    /** Adds the subscriber to its key's feed unless that already has {@code maxPerKey}; false then. */
    boolean join(Subscriber<T> subscriber, int maxPerKey) {
        boolean[] joined = {false};
        feeds.compute(subscriber.roomId(), (key, feed) -> {
            Feed<T> live = feed != null ? feed : new Feed<>(key, source, idOf, signals, fannedOut, Feed.PAGE, recheckMillis);
            if (live.subscribers().size() < maxPerKey) {
                live.add(subscriber);
                joined[0] = true;
            } else if (feed == null) {
                live.stop();
                return null;
            }
            return live;
        });
        return joined[0];
    }

    void leave(Subscriber<T> subscriber) {
        feeds.computeIfPresent(subscriber.roomId(), (key, feed) -> {
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

    /** Ends every subscription with the reason (shutdown). */
    void closeAll(String reason) {
        feeds.values().forEach(feed -> feed.subscribers().forEach(s -> s.close(reason)));
    }
}
