package io.loomcluster.app.webhooks;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.jobs.TraceContext;
import io.loomcluster.app.errors.DomainException.Forbidden;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.errors.DomainException.LimitReached;
import io.loomcluster.app.errors.DomainException.NotFound;
import io.loomcluster.app.errors.DomainException.Rejected;
import io.loomcluster.app.messages.Change;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.messages.PostEffects;
import io.loomcluster.app.rooms.LeaveEffects;
import io.loomcluster.contract.Names;

import java.net.URI;
import java.net.URISyntaxException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;

/**
 * Webhooks of a room: its creator registers, lists and deletes them and reads their delivery logs.
 * Every post adds one delivery job per enabled webhook of its room to the outbox, in the post's
 * transaction.
 */
public final class WebhookService implements PostEffects, LeaveEffects {
    public static final String JOB_TYPE = Names.WEBHOOK_JOBS;
    static final int MAX_PER_ROOM = 20;

    private static final String CREATOR = "select created_by from rooms where id = ?";
    private static final String COUNT = "select count(*) from webhooks where room_id = ?";
    private static final String INSERT = """
            insert into webhooks (room_id, url, secret, created_by) values (?, ?, ?, ?)
            returning id, room_id, url, created_at, consecutive_failures, disabled_at, disabled_reason
            """;
    private static final String COLUMNS = "id, room_id, url, created_at, consecutive_failures, disabled_at, disabled_reason";
    private static final String LIST = "select " + COLUMNS + " from webhooks where room_id = ? order by id";
    private static final String DELETE = "delete from webhooks where room_id = ? and id = ?";
    private static final String EXISTS = "select 1 from webhooks where room_id = ? and id = ?";
    private static final String DELIVERIES = """
            select id, job_id, message_id, attempt, status, duration_ms, error, succeeded, created_at
            from webhook_deliveries where webhook_id = ? and id > ? order by id limit ?
            """;
    static final String CREATOR_LEFT = "its creator left the room";
    private static final String DISABLE_CREATED_BY = """
            update webhooks set disabled_at = now(), disabled_reason = ?
            where room_id = ? and created_by = ? and disabled_at is null
            """;
    // An edit or a delete: one job per webhook and change position (positions share the message id sequence, so
    // job ids never collide with a creation's).
    private static final String ENQUEUE_CHANGE = """
            insert into job_outbox (job_id, type, payload, traceparent, tracestate)
            select 'webhook:' || w.id || ':' || ?::bigint, 'webhook',
                   json_build_object('webhookId', w.id, 'messageId', ?::bigint, 'event', ?::text)::text, ?, ?
            from webhooks w where w.room_id = ? and w.disabled_at is null
            on conflict (job_id) do nothing
            """;
    private static final String ENQUEUE = """
            insert into job_outbox (job_id, type, payload, traceparent, tracestate)
            select 'webhook:' || w.id || ':' || ?::bigint, 'webhook',
                   json_build_object('webhookId', w.id, 'messageId', ?::bigint)::text, ?, ?
            from webhooks w where w.room_id = ? and w.disabled_at is null
            on conflict (job_id) do nothing
            """;

    /** A webhook just created, with its secret: the only time the secret is shown. */
    public record Created(Webhook webhook, String secret) {
    }

    private final Sql sql;
    private final SsrfGuard guard;

    public WebhookService(Sql sql, SsrfGuard guard) {
        this.sql = sql;
        this.guard = guard;
    }

    public Created create(long roomId, long userId, String url) {
        URI uri = validUrl(url);
        requireCreator(roomId, userId);
        try {
            guard.resolve(uri.getHost());
        } catch (SsrfGuard.Refused e) {
            throw new Rejected("Webhook URL refused", e.getMessage());
        }
        if (sql.one(COUNT, rs -> rs.getLong(1), roomId).orElse(0L) >= MAX_PER_ROOM) {
            throw new LimitReached("Too many webhooks", "a room has at most " + MAX_PER_ROOM + " webhooks",
                    Duration.ofHours(1));
        }
        byte[] key = Signatures.newKey();
        Webhook webhook = sql.one(INSERT, WebhookService::map, roomId, uri.toString(), key, userId).orElseThrow();
        return new Created(webhook, Signatures.display(key));
    }

    public List<Webhook> list(long roomId, long userId) {
        requireCreator(roomId, userId);
        return sql.query(LIST, WebhookService::map, roomId);
    }

    public void delete(long roomId, long webhookId, long userId) {
        requireCreator(roomId, userId);
        if (sql.update(DELETE, roomId, webhookId) == 0) {
            throw new NotFound("webhook " + webhookId + " does not exist in room " + roomId);
        }
    }

    public List<Delivery> deliveries(long roomId, long webhookId, long userId, long after, int limit) {
        requireCreator(roomId, userId);
        if (!sql.exists(EXISTS, roomId, webhookId)) {
            throw new NotFound("webhook " + webhookId + " does not exist in room " + roomId);
        }
        return sql.query(DELIVERIES, WebhookService::mapDelivery, webhookId, after, limit);
    }

    @Override
    public void left(Sql.Transaction tx, long roomId, long userId) {
        // A webhook speaks for its creator: once they left and may no longer read the room, it stops.
        tx.update(DISABLE_CREATED_BY, CREATOR_LEFT, roomId, userId);
    }

    @Override
    public void posted(Sql.Transaction tx, Message message) {
        TraceContext trace = TraceContext.current(tx);
        tx.update(ENQUEUE, message.id(), message.id(), trace.traceparent(), trace.tracestate(), message.roomId());
    }

    @Override
    public void changed(Sql.Transaction tx, Change change) {
        TraceContext trace = TraceContext.current(tx);
        tx.update(ENQUEUE_CHANGE, change.position(), change.message().id(), change.kind().event(), trace.traceparent(),
                trace.tracestate(), change.message().roomId());
    }

    private void requireCreator(long roomId, long userId) {
        long creator = sql.one(CREATOR, rs -> rs.getLong(1), roomId)
                .orElseThrow(() -> new NotFound("room " + roomId + " does not exist"));
        if (creator != userId) {
            throw new Forbidden("only the creator of room " + roomId + " manages its webhooks");
        }
    }

    static URI validUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidInput("url is required");
        }
        if (url.length() > 2000) {
            throw new InvalidInput("url must be at most 2000 characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidInput("url is not a valid URL");
        }
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new InvalidInput("url must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new InvalidInput("url must name a host, without user information or fragment");
        }
        return uri;
    }

    private static Webhook map(ResultSet rs) throws SQLException {
        Timestamp disabled = rs.getTimestamp(6);
        return new Webhook(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getTimestamp(4).toInstant(), rs.getInt(5),
                disabled == null ? null : disabled.toInstant(), rs.getString(7));
    }

    private static Delivery mapDelivery(ResultSet rs) throws SQLException {
        return new Delivery(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getInt(4), (Integer) rs.getObject(5),
                rs.getInt(6), rs.getString(7), rs.getBoolean(8), rs.getTimestamp(9).toInstant());
    }
}
