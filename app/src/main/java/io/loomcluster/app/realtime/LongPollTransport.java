package io.loomcluster.app.realtime;

import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.messages.Change;
import io.loomcluster.app.messages.ChangePage;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.messages.MessagePage;
import io.loomcluster.app.messages.MessageWaiter;
import io.loomcluster.app.sessions.Session;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;

/**
 * {@code GET /api/rooms/{id}/messages?wait=N} once the messages routes have checked the request:
 * the poll parks on the room's feed, which reads PostgreSQL only when this poll may be behind what
 * it has read, so parked polls cost no queries while nothing happens. At most {@code maxWaiting}
 * are parked per instance; beyond that, 503 with Retry-After.
 */
public final class LongPollTransport implements MessageWaiter {
    private final LiveRooms live;
    private final InFlightLimiter limiter;
    private final Semaphore waiting;
    private final int maxWaiting;

    public LongPollTransport(LiveRooms live, InFlightLimiter limiter, int maxWaiting) {
        this.live = live;
        this.limiter = limiter;
        this.waiting = new Semaphore(maxWaiting);
        this.maxWaiting = maxWaiting;
    }

    /** Long-polls parked on this instance right now. */
    public int waiting() {
        return maxWaiting - waiting.availablePermits();
    }

    @Override
    public MessagePage await(Context ctx, Session session, long roomId, long after, int limit, Duration wait)
            throws InterruptedException {
        List<Message> items = park(ctx, session, roomId, after, limit, wait, c -> c.kind() == Change.Kind.CREATED)
                .stream().map(Change::message).toList();
        return new MessagePage(items, items.size() == limit ? items.get(items.size() - 1).id() : null);
    }

    @Override
    public ChangePage awaitChanges(Context ctx, Session session, long roomId, long after, int limit, Duration wait)
            throws InterruptedException {
        List<Change> items = park(ctx, session, roomId, after, limit, wait, c -> true);
        return new ChangePage(items, items.size() == limit ? items.get(items.size() - 1).position() : null);
    }

    private List<Change> park(Context ctx, Session session, long roomId, long after, int limit, Duration wait,
                              Predicate<Change> wanted) throws InterruptedException {
        if (!waiting.tryAcquire()) {
            throw ApiException.unavailable("too many waiting requests on this instance; retry", 1);
        }
        // A parked long-poll holds no database connection, so it does not count against the in-flight bound.
        limiter.release(ctx);
        try {
            return live.await(roomId, session.userId(), session.id(), after, limit, wait.toMillis(), wanted);
        } finally {
            waiting.release();
        }
    }
}
