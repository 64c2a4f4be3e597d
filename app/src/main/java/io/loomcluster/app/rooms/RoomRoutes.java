package io.loomcluster.app.rooms;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.function.BiConsumer;

/** {@code /api/rooms}: list (keyset, with the caller's unread counts), create, read, join and leave. */
public final class RoomRoutes {
    record NewRoom(String name, String topic) {
    }

    private final RoomService rooms;
    private final ReadMarkers reads;
    private final Auth auth;
    private final JsonBody body;
    private final BiConsumer<Long, Long> onLeave;

    public RoomRoutes(RoomService rooms, ReadMarkers reads, Auth auth, JsonBody body, BiConsumer<Long, Long> onLeave) {
        this.rooms = rooms;
        this.reads = reads;
        this.auth = auth;
        this.body = body;
        this.onLeave = onLeave;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/rooms", this::list);
        routes.post("/api/rooms", this::create);
        routes.get("/api/rooms/{id}", this::get);
        routes.post("/api/rooms/{id}/members", this::join);
        routes.delete("/api/rooms/{id}/members", this::leave);
    }

    private void list(Context ctx) {
        Session session = auth.require(ctx);
        RoomPage page = rooms.page(ctx.queryParam("cursor"), Params.queryInt(ctx, "limit", 20, 1, 100));
        // The page is shared (cached); what the caller has read of it is theirs, read fresh.
        ctx.json(reads.listing(session.userId(), page));
    }

    private void create(Context ctx) {
        Session session = auth.require(ctx);
        NewRoom room = body.read(ctx, NewRoom.class);
        ctx.status(201).json(rooms.create(session.userId(), room.name(), room.topic()));
    }

    private void get(Context ctx) {
        auth.require(ctx);
        ctx.json(rooms.get(Params.pathId(ctx, "id")));
    }

    private void join(Context ctx) {
        Session session = auth.require(ctx);
        rooms.join(Params.pathId(ctx, "id"), session.userId());
        ctx.status(204);
    }

    private void leave(Context ctx) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        rooms.leave(roomId, session.userId());
        onLeave.accept(roomId, session.userId());
        ctx.status(204);
    }
}
