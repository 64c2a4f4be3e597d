package io.loomcluster.app.rooms;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

/** {@code POST /api/rooms/{id}/read} moves the caller's read marker; {@code GET /api/unread} is the badge. */
public final class ReadRoutes {
    record ReadUpTo(Long upTo) {
    }

    private final ReadMarkers reads;
    private final Auth auth;
    private final JsonBody body;

    public ReadRoutes(ReadMarkers reads, Auth auth, JsonBody body) {
        this.reads = reads;
        this.auth = auth;
        this.body = body;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/rooms/{id}/read", this::markRead);
        routes.get("/api/unread", this::unread);
    }

    private void markRead(Context ctx) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        ReadUpTo read = body.read(ctx, ReadUpTo.class);
        if (read.upTo() == null) {
            throw new InvalidInput("upTo is required: the position (message id) read up to");
        }
        ctx.json(reads.markRead(roomId, session.userId(), read.upTo()));
    }

    private void unread(Context ctx) {
        Session session = auth.require(ctx);
        ctx.json(reads.unread(session.userId()));
    }
}
