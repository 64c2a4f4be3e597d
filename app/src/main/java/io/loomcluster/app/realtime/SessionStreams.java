package io.loomcluster.app.realtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The live subscribers (SSE, WebSocket, parked long-polls) of each session on this instance, so that
 * a stream lives no longer than the session that opened it. A deleted session (a logout on any
 * instance, "log out everywhere", a login's rotation: announced through Redis) ends its streams at
 * once; every {@code HEARTBEAT_INTERVAL} a sweep asks Redis about each session with streams here and
 * ends those that expired (idle or absolute timeout) or whose announcement was missed while Redis
 * was away. The index holds live subscribers only: it is bounded by the live-connection bounds.
 */
public final class SessionStreams implements AutoCloseable {
    static final String LOGGED_OUT = "session ended: logged out; log in again";
    static final String EXPIRED = "session expired; log in again";
    private static final Logger log = LoggerFactory.getLogger(SessionStreams.class);

    private final ConcurrentMap<String, Set<Subscriber<?>>> bySession = new ConcurrentHashMap<>();
    private final Duration sweepEvery;
    private final ScheduledExecutorService sweeper =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("session-streams").factory());

    public SessionStreams(Duration sweepEvery) {
        this.sweepEvery = sweepEvery;
    }

    /** Starts the sweep; {@code isLive} says whether a session still exists (without extending it). */
    public void start(Predicate<String> isLive) {
        long millis = Math.max(1, sweepEvery.toMillis());
        sweeper.scheduleWithFixedDelay(() -> sweep(isLive), millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The session was deleted (announced by whichever instance deleted it): its streams end now. */
    public void loggedOut(String sessionId) {
        end(sessionId, LOGGED_OUT);
    }

    void add(Subscriber<?> subscriber) {
        if (subscriber.sessionId() != null) {
            bySession.compute(subscriber.sessionId(), (id, set) -> {
                Set<Subscriber<?>> live = set != null ? set : ConcurrentHashMap.newKeySet();
                live.add(subscriber);
                return live;
            });
        }
    }

    void remove(Subscriber<?> subscriber) {
        if (subscriber.sessionId() != null) {
            bySession.computeIfPresent(subscriber.sessionId(), (id, set) -> {
                set.remove(subscriber);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** Sessions with live subscribers here (for tests and metrics). */
    int sessions() {
        return bySession.size();
    }

    private void end(String sessionId, String reason) {
        Set<Subscriber<?>> subscribers = bySession.get(sessionId);
        if (subscribers != null) {
            subscribers.forEach(s -> s.endSession(reason));
        }
    }

    // Package-private: the unit tests sweep by hand.
    void sweep(Predicate<String> isLive) {
        for (String sessionId : bySession.keySet()) {
            try {
                if (!isLive.test(sessionId)) {
                    end(sessionId, EXPIRED);
                }
            } catch (RuntimeException e) {
                // Redis away: streams are kept (as during any outage) and the next sweep asks again.
                log.warn("could not check the sessions of live streams; retrying in {} ms", sweepEvery.toMillis(), e);
                return;
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
