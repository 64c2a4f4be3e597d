package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rooms with live subscribers on this instance, each with its {@link RoomFeed}: what every
 * transport subscribes through. A feed starts with its first subscriber and stops with its last.
 * SSE and WebSocket connections are bounded by {@code maxSubscribers} per instance.
 */
public final class LiveRooms {
    private static final Logger log = LoggerFactory.getLogger(LiveRooms.class);
    private static final long RECHECK_MILLIS = 5_000;

    private final ConcurrentMap<Long, RoomFeed> feeds = new ConcurrentHashMap<>();
    private final MessageSource messages;
    private final RoomSignals signals;
    private final LiveMetrics metrics;
    private final int maxSubscribers;
    private final int bufferSize;
    private final long slowTimeoutNanos;
    private volatile boolean shuttingDown;

    public LiveRooms(MessageSource messages, RoomSignals signals, LiveMetrics metrics, int maxSubscribers, int bufferSize,
                     Duration slowConsumerTimeout) {
        this.messages = messages;
        this.signals = signals;
        this.metrics = metrics;
        this.maxSubscribers = maxSubscribers;
        this.bufferSize = bufferSize;
        this.slowTimeoutNanos = slowConsumerTimeout.toNanos();
    }

    /** A new live connection's subscriber of the room, after {@code after}; null when this instance is full. */
    Subscriber subscribe(long roomId, long userId, Subscriber.Kind kind, long after, Runnable onOverflow) {
        if (metrics.open() >= maxSubscribers) {
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
            RoomFeed live = feed != null ? feed
                    : new RoomFeed(id, messages, signals, metrics::fannedOut, RoomFeed.PAGE, RECHECK_MILLIS);
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
        if (shuttingDown) {
            return List.of();
        }
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
    public void kick(long roomId, long userId) {
        RoomFeed feed = feeds.get(roomId);
        if (feed != null) {
            feed.subscribers().stream().filter(s -> s.userId() == userId).forEach(s -> s.close("you left the room"));
        }
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    /**
     * Shutdown: every live connection is told to reconnect elsewhere (parked long-polls are answered),
     * and this waits, up to the timeout, until their final frames and events are written.
     */
    public boolean closeAll(Duration timeout) {
        shuttingDown = true;
        feeds.values().forEach(feed -> feed.subscribers().forEach(s -> s.close("server shutting down; reconnect with your last id")));
        return metrics.awaitNoneOpen(timeout);
    }
}
