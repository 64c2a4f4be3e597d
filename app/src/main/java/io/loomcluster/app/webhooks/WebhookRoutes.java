package io.loomcluster.app.webhooks;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.Map;

/** {@code /api/rooms/{id}/webhooks}: register (secret shown once), list, delete, delivery log. Creator only. */
public final class WebhookRoutes {
    record NewWebhook(String url) {
    }

    private final WebhookService webhooks;
    private final Auth auth;
    private final JsonBody body;

    public WebhookRoutes(WebhookService webhooks, Auth auth, JsonBody body) {
        this.webhooks = webhooks;
        this.auth = auth;
        this.body = body;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/rooms/{id}/webhooks", this::create);
        routes.get("/api/rooms/{id}/webhooks", this::list);
        routes.delete("/api/rooms/{id}/webhooks/{wid}", this::delete);
        routes.get("/api/rooms/{id}/webhooks/{wid}/deliveries", this::deliveries);
    }

    private void create(Context ctx) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        NewWebhook request = body.read(ctx, NewWebhook.class);
        WebhookService.Created created = webhooks.create(roomId, session.userId(), request.url());
        Webhook w = created.webhook();
        ctx.status(201).json(Map.of("id", w.id(), "roomId", w.roomId(), "url", w.url(), "createdAt", w.createdAt(),
                "secret", created.secret()));
    }

    private void list(Context ctx) {
        Session session = auth.require(ctx);
        ctx.json(Map.of("items", webhooks.list(Params.pathId(ctx, "id"), session.userId())));
    }

    private void delete(Context ctx) {
        Session session = auth.require(ctx);
        webhooks.delete(Params.pathId(ctx, "id"), Params.pathId(ctx, "wid"), session.userId());
        ctx.status(204);
    }

    private void deliveries(Context ctx) {
        Session session = auth.require(ctx);
        long after = Params.queryLong(ctx, "after", 0);
        int limit = Params.queryInt(ctx, "limit", 100, 1, 500);
        ctx.json(Map.of("items", webhooks.deliveries(Params.pathId(ctx, "id"), Params.pathId(ctx, "wid"), session.userId(),
                after, limit)));
    }
}
