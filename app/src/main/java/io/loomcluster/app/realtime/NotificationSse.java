package io.loomcluster.app.realtime;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.notifications.Notification;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.function.LongUnaryOperator;

/**
 * {@code GET /api/notifications/events}: the signed-in user's new notifications as Server-Sent Events
 * ({@code event: notification}, the notification id as the event id), replayed from
 * {@code Last-Event-ID} or {@code after} out of PostgreSQL; without a cursor, after the newest. The
 * framing, heartbeats and close events are {@link SseTransport}'s.
 */
public final class NotificationSse {
    private final LiveNotifications live;
    private final Auth auth;
    private final LongUnaryOperator lastId;
    private final SseTransport sse;

    /** {@code lastId}: a user's newest notification id (0 when none). */
    public NotificationSse(LiveNotifications live, Auth auth, LongUnaryOperator lastId, SseTransport sse) {
        this.live = live;
        this.auth = auth;
        this.lastId = lastId;
        this.sse = sse;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/notifications/events", this::stream);
    }

    private void stream(Context ctx) {
        Session session = auth.require(ctx);
        long cursor = LiveAccess.cursor(ctx);
        long after = cursor >= 0 ? cursor : lastId.applyAsLong(session.userId());
        sse.serve(ctx, n -> SseTransport.event("notification", Long.toString(n.id()), sse.json(n)),
                onOverflow -> live.subscribe(session.userId(), session.id(), after, onOverflow), live::unsubscribe);
    }
}
