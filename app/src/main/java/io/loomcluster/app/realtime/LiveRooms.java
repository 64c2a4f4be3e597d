package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.MessageService;
import io.loomcluster.app.messages.RoomSignals;
import io.loomcluster.app.metrics.Metrics;

import io.loomcluster.app.messages.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rooms with live subscribers on this instance, each with its {@link RoomFeed}. A feed starts
 * with its first subscriber and stops with its last. Bounded by {@code maxSubscribers} per instance.
 */
final class LiveRooms {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveRooms.class);
    private final ConcurrentMap<Long, RoomFeed> feeds = new ConcurrentHashMap<>();
    private final MessageService messages;
    private final RoomSignals signals;
    private final LiveMetrics metrics;
    private final int maxSubscribers;
    private final int bufferSize;
    private final long recheckMillis;
    private final long slowTimeoutNanos;

    LiveRooms(MessageService messages, RoomSignals signals, Metrics metrics, int maxSubscribers, int bufferSize,
              long recheckMillis, java.time.Duration slowConsumerTimeout) {
        this.messages = messages;
        this.signals = signals;
        this.metrics = new LiveMetrics(metrics);
        this.maxSubscribers = maxSubscribers;
        this.bufferSize = bufferSize;
        this.recheckMillis = recheckMillis;
        this.slowTimeoutNanos = slowConsumerTimeout.toNanos();
    }

    /** A new subscriber of the room starting after {@code after}; null when this instance is full. */
    Subscriber subscribe(long roomId, long userId, Subscriber.Kind kind, long after, Runnable onOverflow) {
        if (kind != Subscriber.Kind.LONGPOLL && metrics.open() >= maxSubscribers) {
            return null;
        }
        Subscriber subscriber = new Subscriber(roomId, userId, kind, after, bufferSize, slowTimeoutNanos, () -> {
            metrics.dropped();
            log.warn("dropped a slow {} consumer of room {} (user {}): its {} -message buffer stayed full",
                    kind, roomId, userId, bufferSize);
            onOverflow.run();
        });
        metrics.opened(kind);
        join(subscriber);
        return subscriber;
    }

    // The room's feed is created with its first subscriber, atomically with respect to its last leaving.
    private void join(Subscriber subscriber) {
        feeds.compute(subscriber.roomId(), (id, feed) -> {
            RoomFeed live = feed != null ? feed : new RoomFeed(id, messages, signals, metrics, recheckMillis);
            live.add(subscriber);
            return live;
        });
    }

    void unsubscribe(Subscriber subscriber) {
        metrics.closed(subscriber.kind());
        feeds.computeIfPresent(subscriber.roomId(), (id, feed) -> {
            if (feed.remove(subscriber)) {
                feed.stop();
                return null;
            }
            return feed;
        });
    }

    /**
     * A long-poll: the messages after {@code after} (up to {@code limit}) as soon as the room's feed
     * has any, or none after the wait. The feed reads PostgreSQL for it only when it may be behind.
     */
    List<Message> await(long roomId, long userId, long after, int limit, long waitMillis) throws InterruptedException {
        Subscriber subscriber = new Subscriber(roomId, userId, Subscriber.Kind.LONGPOLL, after, limit, Long.MAX_VALUE, () -> { });
        join(subscriber);
        try {
            List<Message> found = new ArrayList<>();
            Message next = subscriber.next(waitMillis);
            while (next != null) {
                found.add(next);
                next = found.size() < limit ? subscriber.next(0) : null;
            }
            return found;
        } finally {
            unsubscribe(subscriber);
        }
    }

    /** Ends a user's subscriptions to a room (they left it, here or on another instance). */
    void kick(long roomId, long userId) {
        RoomFeed feed = feeds.get(roomId);
        if (feed != null) {
            feed.subscribers().stream().filter(s -> s.userId() == userId).forEach(s -> s.close("you left the room"));
        }
    }

    /** Ends every subscription at shutdown; writers then tell their clients to go elsewhere. */
    void closeAll(String reason) {
        feeds.values().forEach(feed -> feed.subscribers().forEach(s -> s.close(reason)));
    }

    int open() {
        return metrics.open();
    }

    boolean awaitNoneOpen(java.time.Duration timeout) {
        return metrics.awaitNoneOpen(timeout);
    }
}
