package io.loomcluster.app.notifications;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.Map;

/** {@code /api/notifications}: the user's mentions (keyset pages) and marking them read. */
public final class NotificationRoutes {
    record ReadMark(Long upTo) {
    }

    private final NotificationService notifications;
    private final Auth auth;
    private final JsonBody body;

    public NotificationRoutes(NotificationService notifications, Auth auth, JsonBody body) {
        this.notifications = notifications;
        this.auth = auth;
        this.body = body;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/notifications", this::page);
        routes.post("/api/notifications/read", this::markRead);
    }

    private void page(Context ctx) {
        Session session = auth.require(ctx);
        long after = Params.queryLong(ctx, "after", 0);
        int limit = Params.queryInt(ctx, "limit", 50, 1, 100);
        ctx.json(notifications.page(session.userId(), after, limit));
    }

    private void markRead(Context ctx) {
        Session session = auth.require(ctx);
        ReadMark mark = body.read(ctx, ReadMark.class);
        if (mark.upTo() == null) {
            throw new InvalidInput("upTo is required: the id of the newest notification read");
        }
        ctx.json(Map.of("unread", notifications.markRead(session.userId(), mark.upTo())));
    }
}
