package io.loomcluster.app.realtime;

import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.rooms.RoomService;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.function.LongUnaryOperator;

/**
 * Who may open a live stream of a room and where it starts, decided once at connect time for every
 * transport: a session (401), membership (403), a sane cursor (400), an instance not shutting down
 * (503). Without a cursor the stream starts after the room's newest message.
 */
public final class LiveAccess {
    /** An admitted stream: the room (0 for a socket not bound to one), the user and their session, the position to start after. */
    record Start(long roomId, long userId, String username, String sessionId, long after, boolean ephemeral) {
    }

    private final Auth auth;
    private final RoomService rooms;
    private final LongUnaryOperator lastId;
    private final LiveRooms live;

    public LiveAccess(Auth auth, RoomService rooms, LongUnaryOperator lastId, LiveRooms live) {
        this.auth = auth;
        this.rooms = rooms;
        this.lastId = lastId;
        this.live = live;
    }

    /** The cursor is {@code lastEventId} when given (SSE reconnects), else the {@code after} query parameter. */
    Start admit(Context ctx, String lastEventId) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        long after = cursor(ctx, lastEventId);
        rooms.requireMember(roomId, session.userId());
        if (live.shuttingDown()) {
            throw ApiException.unavailable("this instance is shutting down; reconnect", 1);
        }
        return new Start(roomId, session.userId(), session.username(), session.id(),
                after >= 0 ? after : lastId.applyAsLong(roomId), ephemeral(ctx));
    }

    /** A socket of the user's, not bound to a room ({@code /api/ws}): it subscribes to rooms by frames. */
    Start admitUser(Context ctx) {
        Session session = auth.require(ctx);
        if (live.shuttingDown()) {
            throw ApiException.unavailable("this instance is shutting down; reconnect", 1);
        }
        return new Start(0, session.userId(), session.username(), session.id(), -1, true);
    }

    /** Where a subscription of a member starts: after {@code after}, or after the room's newest position when -1. */
    long start(long roomId, long userId, long after) {
        rooms.requireMember(roomId, userId);
        if (live.shuttingDown()) {
            throw ApiException.unavailable("this instance is shutting down; reconnect", 1);
        }
        return after >= 0 ? after : lastId.applyAsLong(roomId);
    }

    /**
     * Whether a room stream also carries typing, presence and read events: {@code ?events=all}. By
     * default it carries the room's changes only, as room streams did before those events existed,
     * so a client that reads every WebSocket frame as a message keeps working.
     */
    private static boolean ephemeral(Context ctx) {
        String events = ctx.queryParam("events");
        if (events == null || events.equals("changes")) {
            return false;
        }
        if (events.equals("all")) {
            return true;
        }
        throw ApiException.badRequest("events must be 'changes' (the default) or 'all' (changes, typing, presence and read events)");
    }

    /** A stream's cursor: {@code Last-Event-ID} when sent (SSE reconnects), else {@code after}; -1 when neither. */
    static long cursor(Context ctx) {
        return cursor(ctx, ctx.header("Last-Event-ID"));
    }

    private static long cursor(Context ctx, String lastEventId) {
        return lastEventId != null ? parseLastEventId(lastEventId) : Params.queryLong(ctx, "after", -1);
    }

    private static long parseLastEventId(String value) {
        if (!value.matches("[0-9]{1,18}")) {
            throw ApiException.badRequest("Last-Event-ID must be an event id (a whole number), got '"
                    + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'");
        }
        return Long.parseLong(value);
    }
}
