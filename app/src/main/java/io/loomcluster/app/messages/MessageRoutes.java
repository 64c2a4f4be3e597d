package io.loomcluster.app.messages;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.rooms.RoomService;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;

/** {@code /api/rooms/{id}/messages}: post (idempotent with a key) and read after an id, long-polling with {@code wait}. */
public final class MessageRoutes {
    public static final int MAX_WAIT_SECONDS = 30;

    record NewMessage(String text) {
    }

    private final MessageService messages;
    private final RoomService rooms;
    private final MessageEvents events;
    private final MessageWaiter waiter;
    private final Auth auth;
    private final JsonBody body;
    private final InFlightLimiter limiter;
    private final Semaphore waiters;
    private final int maxWaiters;

    public MessageRoutes(MessageService messages, RoomService rooms, MessageEvents events, MessageWaiter waiter,
                         Auth auth, JsonBody body, InFlightLimiter limiter, int maxWaiters) {
        this.messages = messages;
        this.rooms = rooms;
        this.events = events;
        this.waiter = waiter;
        this.auth = auth;
        this.body = body;
        this.limiter = limiter;
        this.waiters = new Semaphore(maxWaiters);
        this.maxWaiters = maxWaiters;
    }

    /** Long-polls parked on this instance right now. */
    public int waiting() {
        return maxWaiters - waiters.availablePermits();
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/rooms/{id}/messages", this::post);
        routes.get("/api/rooms/{id}/messages", this::read);
    }

    private void post(Context ctx) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        String key = ctx.header("Idempotency-Key");
        MessageService.validateKey(key);
        NewMessage message = body.read(ctx, NewMessage.class);
        Posted posted = messages.post(roomId, session.userId(), session.username(), message.text(), key);
        if (posted.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
        } else {
            events.published(roomId, posted.message().id());
        }
        ctx.status(201).json(posted.message());
    }

    private void read(Context ctx) throws InterruptedException {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        long after = Params.queryLong(ctx, "after", 0);
        int limit = Params.queryInt(ctx, "limit", 50, 1, 100);
        int wait = Params.queryInt(ctx, "wait", 0, 0, MAX_WAIT_SECONDS);
        rooms.requireMember(roomId, session.userId());
        if (wait == 0) {
            ctx.json(messages.after(roomId, after, limit));
            return;
        }
        ctx.json(longPoll(ctx, roomId, session.userId(), after, limit, Duration.ofSeconds(wait)));
    }

    // The room's feed answers: it reads PostgreSQL only when this poll may be behind what it has
    // read, so parked polls cost no queries while nothing happens.
    private MessagePage longPoll(Context ctx, long roomId, long userId, long after, int limit, Duration wait)
            throws InterruptedException {
        if (!waiters.tryAcquire()) {
            throw ApiException.unavailable("too many waiting requests on this instance; retry", 1);
        }
        // A parked long-poll holds no database connection, so it does not count against the in-flight bound.
        limiter.release(ctx);
        try {
            List<Message> items = waiter.await(roomId, userId, after, limit, wait);
            return new MessagePage(items, items.size() == limit ? items.get(items.size() - 1).id() : null);
        } finally {
            waiters.release();
        }
    }
}
