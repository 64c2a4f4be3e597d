package io.loomcluster.app.messages;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.JsonResponse;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.rooms.Memberships;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;
import io.loomcluster.contract.Names;

import java.time.Duration;

/**
 * {@code /api/rooms/{id}/messages}: post (idempotent with a key), read after an id (long-polling
 * with {@code wait}), edit and delete; {@code /api/rooms/{id}/changes}: the room's change log after
 * a position, the same way.
 */
public final class MessageRoutes {
    public static final int MAX_WAIT_SECONDS = 30;

    record NewMessage(String text) {
    }

    record Edit(String text) {
    }

    private final MessageService messages;
    private final Memberships memberships;
    private final MessageWaiter waiter;
    private final Auth auth;
    private final JsonBody body;
    private final JsonResponse out;

    /** {@code waiter} answers long-polls. */
    public MessageRoutes(MessageService messages, Memberships memberships, MessageWaiter waiter,
                         Auth auth, JsonBody body, JsonResponse out) {
        this.messages = messages;
        this.memberships = memberships;
        this.waiter = waiter;
        this.auth = auth;
        this.body = body;
        this.out = out;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/rooms/{id}/messages", this::post);
        routes.get("/api/rooms/{id}/messages", this::read);
        routes.patch("/api/rooms/{id}/messages/{mid}", this::edit);
        routes.delete("/api/rooms/{id}/messages/{mid}", this::delete);
        routes.get("/api/rooms/{id}/changes", this::changes);
    }

    private void edit(Context ctx) {
        Session session = auth.require(ctx);
        Edit edit = body.read(ctx, Edit.class);
        Change change = messages.edit(Params.pathId(ctx, "id"), Params.pathId(ctx, "mid"), session.userId(), edit.text());
        out.write(ctx, 200, change.message());
    }

    private void delete(Context ctx) {
        Session session = auth.require(ctx);
        Change change = messages.delete(Params.pathId(ctx, "id"), Params.pathId(ctx, "mid"), session.userId());
        out.write(ctx, 200, change.message());
    }

    private void changes(Context ctx) throws InterruptedException {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        long after = Params.queryLong(ctx, "after", 0);
        int limit = Params.queryInt(ctx, "limit", 50, 1, 100);
        int wait = Params.queryInt(ctx, "wait", 0, 0, MAX_WAIT_SECONDS);
        if (wait == 0) {
            out.write(ctx, 200, messages.changesAsMember(roomId, session.userId(), after, limit));
            return;
        }
        memberships.require(roomId, session.userId());
        out.write(ctx, 200, waiter.awaitChanges(ctx, session, roomId, after, limit, Duration.ofSeconds(wait)));
    }

    private void post(Context ctx) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        String key = ctx.header(Names.IDEMPOTENCY_KEY_HEADER);
        NewMessage message = body.read(ctx, NewMessage.class);
        Posted posted = messages.post(roomId, session.userId(), session.username(), message.text(), key);
        if (posted.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
        }
        out.write(ctx, 201, posted.message());
    }

    private void read(Context ctx) throws InterruptedException {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        long after = Params.queryLong(ctx, "after", 0);
        int limit = Params.queryInt(ctx, "limit", 50, 1, 100);
        int wait = Params.queryInt(ctx, "wait", 0, 0, MAX_WAIT_SECONDS);
        if (wait == 0) {
            out.write(ctx, 200, messages.afterAsMember(roomId, session.userId(), after, limit));
            return;
        }
        // A re-issued poll: its membership is usually confirmed already (Memberships).
        memberships.require(roomId, session.userId());
        ctx.json(waiter.await(ctx, session, roomId, after, limit, Duration.ofSeconds(wait)));
    }
}
