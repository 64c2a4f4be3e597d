package io.loomcluster.app.realtime;

import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.notifications.Notification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The users with a live notification stream on this instance, each with a {@link Feed} of their
 * notifications, woken when a worker anywhere announces one ({@link LiveEvents#notifier}) and
 * re-checking PostgreSQL on its own like the room feeds. The streams share the live-connection bound
 * of room streams ({@code MAX_SUBSCRIBERS}, then 503) and a user holds at most
 * {@value #MAX_PER_USER} of them per instance: a newer one ends the oldest (an {@code EventSource}
 * does not retry a refusal, and the oldest is the likeliest to be a dead connection not yet found out).
 */
public final class LiveNotifications {
    public static final int MAX_PER_USER = 16;
    private static final Logger log = LoggerFactory.getLogger(LiveNotifications.class);

    private final Feeds<Notification> feeds;
    private final LiveMetrics metrics;
    private final SessionStreams sessions;
    private final int maxSubscribers;
    private final int bufferSize;
    private final long slowTimeoutNanos;
    private volatile boolean shuttingDown;

    /** {@code metrics} are the room streams' own: one bound and one count of live connections per instance. */
    public LiveNotifications(FeedSource<Notification> notifications, Signals users, LiveMetrics metrics,
                             SessionStreams sessions, int maxSubscribers, int bufferSize, Duration slowConsumerTimeout) {
        this.feeds = new Feeds<>(notifications, Notification::id, users, n -> { }, LiveRooms.RECHECK_MILLIS);
        this.metrics = metrics;
        this.sessions = sessions;
        this.maxSubscribers = maxSubscribers;
        this.bufferSize = bufferSize;
        this.slowTimeoutNanos = slowConsumerTimeout.toNanos();
    }

    /** A new stream of the user's notifications after {@code after}; 503 when this instance is full or stopping. */
    Subscriber<Notification> subscribe(long userId, String sessionId, long after, Runnable onOverflow) {
        if (shuttingDown) {
            throw ApiException.unavailable("this instance is shutting down; reconnect", 1);
        }
        if (metrics.open() >= maxSubscribers) {
            throw ApiException.unavailable("too many live connections on this instance; retry elsewhere", 2);
        }
        Subscriber<Notification> subscriber = new Subscriber<>(userId, userId, sessionId, Subscriber.Kind.SSE, after, bufferSize,
                slowTimeoutNanos, () -> {
                    metrics.dropped();
                    log.warn("dropped a slow notification stream of user {}: its {}-event buffer stayed full", userId, bufferSize);
                    onOverflow.run();
                });
        metrics.opened(Subscriber.Kind.SSE);
        sessions.add(subscriber);
        feeds.joinEvictingOldest(subscriber, MAX_PER_USER, "replaced by a newer notification stream of this user ("
                + MAX_PER_USER + " per instance at most)");
        return subscriber;
    }

    void unsubscribe(Subscriber<Notification> subscriber) {
        metrics.closed(subscriber.kind());
        sessions.remove(subscriber);
        feeds.leave(subscriber);
    }

    /** Shutdown: every stream is told to reconnect elsewhere; {@link LiveRooms#closeAll} then waits for all live connections. */
    public void closeAll() {
        shuttingDown = true;
        feeds.closeAll(LiveRooms.SHUTTING_DOWN);
    }
}
