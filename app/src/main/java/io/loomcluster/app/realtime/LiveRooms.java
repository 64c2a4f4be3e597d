package io.loomcluster.app.realtime;

import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.presence.Presence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The rooms with live subscribers on this instance, each with its {@link Feed}: what every
 * transport subscribes through. A feed starts with its first subscriber and stops with its last.
 * SSE and WebSocket connections are bounded by {@code maxSubscribers} per instance, and a user's by
 * {@code maxPerUser} (across rooms): a newer one ends the user's oldest, as notification streams do,
 * so one account cannot take every slot while a reloaded page still gets its stream.
 */
public final class LiveRooms {
    private static final Logger log = LoggerFactory.getLogger(LiveRooms.class);
    static final long RECHECK_MILLIS = 5_000;
    static final String SHUTTING_DOWN = "server shutting down; reconnect with your last id";

    private final Feeds<Message> feeds;
    private final LiveMetrics metrics;
    private final SessionStreams sessions;
    private final int maxSubscribers;
    private final UserStreams<Message> perUser;
    private final int bufferSize;
    private final long slowTimeoutNanos;
    private final Presence presence;
    private volatile boolean shuttingDown;

    public LiveRooms(FeedSource<Message> messages, Signals signals, LiveMetrics metrics, SessionStreams sessions,
                     int maxSubscribers, int maxPerUser, int bufferSize, Duration slowConsumerTimeout, Presence presence) {
        this.feeds = new Feeds<>(messages, Message::id, signals, metrics::fannedOut, RECHECK_MILLIS);
        this.metrics = metrics;
        this.sessions = sessions;
        this.maxSubscribers = maxSubscribers;
        this.perUser = new UserStreams<>(maxPerUser, "replaced by a newer live stream of this user ("
                + maxPerUser + " per instance at most)");
        this.bufferSize = bufferSize;
        this.slowTimeoutNanos = slowConsumerTimeout.toNanos();
        this.presence = presence;
    }

    /** A new live connection's subscriber of the room, after {@code after}; null when this instance is full. */
    Subscriber<Message> subscribe(long roomId, long userId, String sessionId, Subscriber.Kind kind, long after,
                                  Runnable onOverflow) {
        if (metrics.open() >= maxSubscribers) {
            return null;
        }
        Subscriber<Message> subscriber = new Subscriber<>(roomId, userId, sessionId, kind, after, bufferSize, slowTimeoutNanos, () -> {
            metrics.dropped();
            log.warn("dropped a slow {} consumer of room {} (user {}): its {} -message buffer stayed full",
                    kind, roomId, userId, bufferSize);
            onOverflow.run();
        });
        metrics.opened(kind);
        sessions.add(subscriber);
        perUser.add(subscriber);
        feeds.join(subscriber);
        presence.connected(roomId, userId);
        return subscriber;
    }

    void unsubscribe(Subscriber<Message> subscriber) {
        metrics.closed(subscriber.kind());
        sessions.remove(subscriber);
        perUser.remove(subscriber);
        feeds.leave(subscriber);
        presence.disconnected(subscriber.key(), subscriber.userId());
    }

    /**
     * A long-poll: the messages after {@code after} (up to {@code limit}) as soon as the room's feed
     * has any, or none after the wait. The feed reads PostgreSQL for it only when it may be behind.
     * A poll whose session ends while it is parked is answered 401.
     */
    List<Message> await(long roomId, long userId, String sessionId, long after, int limit, long waitMillis)
            throws InterruptedException {
        if (shuttingDown) {
            return List.of();
        }
        Subscriber<Message> subscriber = new Subscriber<>(roomId, userId, sessionId, Subscriber.Kind.LONGPOLL, after, limit,
                Long.MAX_VALUE, () -> { });
        sessions.add(subscriber);
        feeds.join(subscriber);
        // A parked long-poll is a live connection; the leave grace covers the gap until the next one.
        presence.connected(roomId, userId);
        try {
            List<Message> found = new ArrayList<>();
            Message next = subscriber.next(waitMillis);
            while (next != null) {
                found.add(next);
                next = found.size() < limit ? subscriber.next(0) : null;
            }
            if (subscriber.sessionEnded()) {
                throw ApiException.unauthorized();
            }
            return found;
        } finally {
            unsubscribe(subscriber);
        }
    }

    /** Ends a user's subscriptions to a room (they left it, here or on another instance). */
    public void kick(long roomId, long userId) {
        feeds.subscribers(roomId).stream().filter(s -> s.userId() == userId).forEach(s -> s.close("you left the room"));
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
        feeds.closeAll(SHUTTING_DOWN);
        return metrics.awaitNoneOpen(timeout);
    }
}
