package io.loomcluster.app.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.jobs.Job;
import io.loomcluster.app.jobs.JobHandler;
import io.loomcluster.app.jobs.OutboxRelay;
import io.loomcluster.app.jobs.Outcome;
import io.loomcluster.app.messages.Change;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.messages.PostEffects;
import io.loomcluster.contract.Names;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Mention notifications. At post time (in the post's transaction) the mentioned names are resolved
 * to the room's members, once; the job then inserts one notification per message and user (a
 * unique key makes a second run a no-op). Reading is keyset-paginated; "read" is a high-water mark.
 */
public final class NotificationService implements PostEffects, JobHandler {
    public static final String JOB_TYPE = Names.MENTION_JOBS;

    private static final String MENTIONED_MEMBERS = """
            select u.id from users u join memberships m on m.user_id = u.id and m.room_id = ?
            where u.username = any(string_to_array(?, ',')) and u.id <> ?
            order by u.id
            """;
    private static final String INSERT = """
            insert into notifications (user_id, room_id, message_id)
            select u, ?, ? from unnest(?::bigint[]) as u
            on conflict (message_id, user_id) do nothing
            returning user_id
            """;
    private static final String PAGE = """
            select n.id, n.room_id, n.message_id, u.username, m.text, n.created_at
            from notifications n join messages m on m.id = n.message_id join users u on u.id = m.user_id
            where n.user_id = ? and n.id > ? order by n.id limit ?
            """;
    private static final String LAST = "select coalesce(max(id), 0) from notifications where user_id = ?";
    private static final String UNREAD = """
            select count(*) from notifications n
            where n.user_id = ? and n.id > coalesce((select up_to from notification_reads where user_id = ?), 0)
            """;
    private static final String MARK_READ = """
            insert into notification_reads (user_id, up_to) values (?, ?)
            on conflict (user_id) do update set up_to = greatest(notification_reads.up_to, excluded.up_to)
            """;

    private final Sql sql;
    private final ObjectMapper json;
    private final LongConsumer notified;

    /** {@code notified} is told the id of each user who got a new notification (for live delivery). */
    public NotificationService(Sql sql, ObjectMapper json, LongConsumer notified) {
        this.sql = sql;
        this.json = json;
        this.notified = notified;
    }

    @Override
    public void posted(Sql.Transaction tx, Message message) {
        mention(tx, message, JOB_TYPE + ":" + message.id());
    }

    /**
     * An edit notifies the members its new text mentions; the job's insert skips anyone the message
     * already notified (one notification per message and user), so a mention notifies once.
     */
    @Override
    public void changed(Sql.Transaction tx, Change change) {
        if (change.kind() == Change.Kind.UPDATED) {
            mention(tx, change.message(), JOB_TYPE + ":" + change.message().id() + ":" + change.position());
        }
    }

    private void mention(Sql.Transaction tx, Message message, String jobId) {
        Set<String> names = Mentions.in(message.text());
        if (names.isEmpty()) {
            return;
        }
        List<Long> members = tx.query(MENTIONED_MEMBERS, rs -> rs.getLong(1), message.roomId(), String.join(",", names),
                message.userId());
        if (members.isEmpty()) {
            return;
        }
        var payload = json.createObjectNode().put("messageId", message.id()).put("roomId", message.roomId());
        members.forEach(payload.putArray("userIds")::add);
        OutboxRelay.add(tx, jobId, JOB_TYPE, payload.toString());
    }

    @Override
    public Outcome handle(Job job) throws Exception {
        JsonNode payload = json.readTree(job.payload());
        List<Long> users = new ArrayList<>();
        payload.get("userIds").forEach(u -> users.add(u.asLong()));
        // A message deleted since (its room removed) has nothing left to notify about.
        List<Long> inserted = sql.transaction(tx -> {
            if (!tx.exists("select 1 from messages where id = ?", payload.get("messageId").asLong())) {
                return List.<Long>of();
            }
            return tx.query(INSERT, rs -> rs.getLong(1), payload.get("roomId").asLong(), payload.get("messageId").asLong(),
                    Sql.bigints(users));
        });
        inserted.forEach(notified::accept);
        return Outcome.DONE;
    }

    public NotificationPage page(long userId, long after, int limit) {
        List<Notification> items = after(userId, after, limit);
        Long next = items.size() == limit ? items.get(items.size() - 1).id() : null;
        return new NotificationPage(items, next, unread(userId));
    }

    /** The user's notifications with ids above {@code after}, oldest first: pages and live streams read this. */
    public List<Notification> after(long userId, long after, int limit) {
        return sql.query(PAGE, NotificationService::map, userId, after, limit);
    }

    /** The id of the user's newest notification, 0 when there is none: where a stream without a cursor starts. */
    public long lastId(long userId) {
        return sql.one(LAST, rs -> rs.getLong(1), userId).orElse(0L);
    }

    public long unread(long userId) {
        return sql.one(UNREAD, rs -> rs.getLong(1), userId, userId).orElse(0L);
    }

    /** Marks every notification up to {@code upTo} read; the mark never moves back. Returns the unread count. */
    public long markRead(long userId, long upTo) {
        if (upTo < 0) {
            throw new InvalidInput("upTo must be a notification id (0 or more)");
        }
        sql.update(MARK_READ, userId, upTo);
        return unread(userId);
    }

    private static Notification map(ResultSet rs) throws SQLException {
        return new Notification(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                rs.getTimestamp(6).toInstant());
    }
}
