package io.loomcluster.app.realtime;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;
import io.loomcluster.app.rooms.Memberships;
import redis.clients.jedis.params.SetParams;

import java.util.Map;

/**
 * "A member is typing", for every transport (a WebSocket {@code typing} frame, or
 * {@code POST /api/rooms/{id}/typing} from SSE and long-poll clients): members only, never stored,
 * handed to the room's live streams on every instance. At most one typing event per user and room
 * per second goes out, cluster-wide (a Redis key with a one-second expiry); signals within that
 * second are absorbed: the indicator already shown holds for {@link LiveEvents#TYPING_EXPIRES_MILLIS}.
 */
public final class Typing {
    static final long INTERVAL_MILLIS = 1_000;
    private static final String PREFIX = "loom:typing:";

    private final Memberships memberships;
    private final Redis redis;
    private final LiveEvents events;

    public Typing(Memberships memberships, Redis redis, LiveEvents events) {
        this.memberships = memberships;
        this.redis = redis;
        this.events = events;
    }

    /** {@code POST /api/rooms/{id}/typing}: 202 with whether it went out and how long the indicator holds. */
    public void register(RoutesConfig routes, Auth auth) {
        routes.post("/api/rooms/{id}/typing", ctx -> post(ctx, auth));
    }

    private void post(Context ctx, Auth auth) {
        Session session = auth.require(ctx);
        boolean broadcast = typing(Params.pathId(ctx, "id"), session.userId(), session.username());
        ctx.status(202).json(Map.of("broadcast", broadcast, "expiresInMs", LiveEvents.TYPING_EXPIRES_MILLIS));
    }

    /** True when the event went out, false when absorbed by the rate (one per second per user and room). */
    public boolean typing(long roomId, long userId, String username) {
        memberships.require(roomId, userId);
        String set = redis.client().set(PREFIX + roomId + ":" + userId, "1", SetParams.setParams().nx().px(INTERVAL_MILLIS));
        if (set == null) {
            return false;
        }
        events.typing(roomId, userId, username);
        return true;
    }
}
