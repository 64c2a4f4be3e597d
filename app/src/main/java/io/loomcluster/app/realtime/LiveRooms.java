package io.loomcluster.app.realtime;

import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.messages.Change;
import io.loomcluster.app.presence.Presence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

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

    private final Feeds<RoomEvent> feeds;
    private final LiveMetrics metrics;
    private final SessionStreams sessions;
    private final int maxSubscribers;
    private final UserStreams<RoomEvent> perUser;
    private final int bufferSize;
    private final long slowTimeoutNanos;
    private final Presence presence;
    private volatile boolean shuttingDown;

    /** {@code changes}: a room's change log after a position ({@code MessageService#changes}). */
    public LiveRooms(FeedSource<Change> changes, Signals signals, LiveMetrics metrics, SessionStreams sessions,
                     int maxSubscribers, int maxPerUser, int bufferSize, Duration slowConsumerTimeout, Presence presence) {
        FeedSource<RoomEvent> source = (room, after, limit) -> changes.after(room, after, limit).stream()
                .<RoomEvent>map(RoomEvent.Changed::new).toList();
        this.feeds = new Feeds<>(source, RoomEvent::position, signals, metrics::fannedOut, RECHECK_MILLIS);
        this.metrics = metrics;
        this.sessions = sessions;
        this.maxSubscribers = maxSubscribers;
        this.perUser = new UserStreams<>(maxPerUser, "replaced by a newer live stream of this user ("
                + maxPerUser + " per instance at most)");
        this.bufferSize = bufferSize;
        this.slowTimeoutNanos = slowConsumerTimeout.toNanos();
        this.presence = presence;
    }

    /**
     * A new live connection's subscriber of the room, after {@code after}; null when this instance is
     * full. With {@code ephemeral} it also gets typing, presence and read events.
     */
    Subscriber<RoomEvent> subscribe(long roomId, long userId, String sessionId, Subscriber.Kind kind, long after,
                                  boolean ephemeral, Runnable onOverflow) {
        if (metrics.open() >= maxSubscribers) {
            return null;
        }
        Subscriber<RoomEvent> subscriber = new Subscriber<>(roomId, userId, sessionId, kind, after, bufferSize, slowTimeoutNanos, () -> {
            metrics.dropped();
            log.warn("dropped a slow {} consumer of room {} (user {}): its {} -message buffer stayed full",
                    kind, roomId, userId, bufferSize);
            onOverflow.run();
        });
        if (ephemeral) {
            subscriber.takeEphemeral();
        }
        metrics.opened(kind);
        sessions.add(subscriber);
        perUser.add(subscriber);
        feeds.join(subscriber);
        presence.connected(roomId, userId);
        return subscriber;
    }

    void unsubscribe(Subscriber<RoomEvent> subscriber) {
        metrics.closed(subscriber.kind());
        sessions.remove(subscriber);
        perUser.remove(subscriber);
        feeds.leave(subscriber);
        presence.disconnected(subscriber.key(), subscriber.userId());
    }

    /**
     * A long-poll: the changes after {@code after} (up to {@code limit}) that {@code wanted} keeps, as
     * soon as the room's feed has any, or none after the wait. Changes it does not want are passed
     * over while it waits (a poll for new messages is not answered by an edit). The feed reads
     * PostgreSQL for it only when it may be behind. A poll whose session ends while it is parked is
     * answered 401.
     */
    List<Change> await(long roomId, long userId, String sessionId, long after, int limit, long waitMillis,
                       Predicate<Change> wanted) throws InterruptedException {
        if (shuttingDown) {
            return List.of();
        }
        Subscriber<RoomEvent> subscriber = new Subscriber<>(roomId, userId, sessionId, Subscriber.Kind.LONGPOLL, after, limit,
                Long.MAX_VALUE, () -> { });
        sessions.add(subscriber);
        feeds.join(subscriber);
        // A parked long-poll is a live connection; the leave grace covers the gap until the next one.
        presence.connected(roomId, userId);
        try {
            List<Change> found = new ArrayList<>();
            long deadline = System.nanoTime() + waitMillis * 1_000_000;
            while (found.isEmpty()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                RoomEvent next = subscriber.next(Math.max(0, left));
                while (next != null) {
                    if (next instanceof RoomEvent.Changed changed && wanted.test(changed.change)) {
                        found.add(changed.change);
                    }
                    next = found.size() < limit ? subscriber.next(0) : null;
                }
                if (left <= 0 || subscriber.isClosed()) {
                    break;
                }
            }
            if (subscriber.sessionEnded()) {
                throw ApiException.unauthorized();
            }
            return found;
        } finally {
            unsubscribe(subscriber);
        }
    }

    /** Hands an ephemeral event to the room's live streams on this instance (to one user's only, for a read marker). */
    void broadcast(RoomEvent event) {
        for (Subscriber<RoomEvent> subscriber : feeds.subscribers(event.roomId())) {
            if (!subscriber.takesEphemeral()
                    || event instanceof RoomEvent.Read read && read.userId() != subscriber.userId()) {
                continue;
            }
            if (!subscriber.offerEphemeral(event)) {
                metrics.ephemeralDropped();
            }
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
