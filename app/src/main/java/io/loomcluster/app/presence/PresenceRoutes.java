package io.loomcluster.app.presence;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.rooms.RoomService;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/rooms/{id}/presence}: the room's users with a live connection anywhere in the
 * cluster, each once, by username. Members only (401, 403, 404 as every room route); 503 while
 * Redis is away.
 */
public final class PresenceRoutes {
    record PresentUser(long userId, String username) {
    }

    record RoomPresence(long roomId, List<PresentUser> users) {
    }

    private final Presence presence;
    private final RoomService rooms;
    private final Usernames usernames;
    private final Auth auth;

    public PresenceRoutes(Presence presence, RoomService rooms, Usernames usernames, Auth auth) {
        this.presence = presence;
        this.rooms = rooms;
        this.usernames = usernames;
        this.auth = auth;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/rooms/{id}/presence", this::get);
    }

    private void get(Context ctx) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        rooms.requireMember(roomId, session.userId());
        List<Long> ids = presence.users(roomId);
        Map<Long, String> names = ids.isEmpty() ? Map.of() : usernames.of(ids);
        List<PresentUser> users = names.entrySet().stream()
                .map(e -> new PresentUser(e.getKey(), e.getValue()))
                .sorted(Comparator.comparing(PresentUser::username))
                .toList();
        ctx.json(new RoomPresence(roomId, users));
    }
}
