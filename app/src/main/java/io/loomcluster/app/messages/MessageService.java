package io.loomcluster.app.messages;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.errors.DomainException.Conflict;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.errors.DomainException.Rejected;
import io.loomcluster.app.errors.Text;
import io.loomcluster.app.rooms.RoomService;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Posting and reading messages. Posts to one room are serialised by a row lock on the room, so
 * ids within a room become visible in increasing order: "after id N" never skips a late commit.
 */
public final class MessageService {
    private static final String CLAIM_KEY = """
            insert into idempotency_keys (user_id, key, room_id) values (?, ?, ?)
            on conflict do nothing
            returning user_id
            """;
    private static final String FIND_KEY = """
            select room_id, message_id from idempotency_keys where user_id = ? and key = ?
            """;
    // Membership check, the room's row lock and the insert in one statement (one round trip): the
    // update locks the room row until commit, so posts to a room still commit in id order. No row
    // back means not a member (or no such room), told apart by RoomService.requireMember.
    private static final String INSERT_AS_MEMBER = """
            with locked as (
                update rooms set message_count = message_count + 1
                where id = ? and exists (select 1 from memberships where room_id = ? and user_id = ?)
                returning id
            )
            insert into messages (room_id, user_id, text) select id, ?, ? from locked returning id, created_at
            """;
    private static final String BIND_KEY = "update idempotency_keys set message_id = ? where user_id = ? and key = ?";
    private static final String SELECT = """
            select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at
            from messages m join users u on u.id = m.user_id
            """;
    private static final String AFTER = SELECT + " where m.room_id = ? and m.id > ? order by m.id limit ?";
    // The reader's membership and the page in one round trip: always one row at least, the first
    // column telling whether the user is a member (the page is empty when not).
    private static final String AFTER_AS_MEMBER = """
            select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at, k.member
            from (select exists (select 1 from memberships where room_id = ? and user_id = ?) as member) k
            left join lateral (
                select id, room_id, user_id, text, created_at from messages
                where k.member and room_id = ? and id > ?
                order by id limit ?
            ) m on true
            left join users u on u.id = m.user_id
            order by m.id
            """;
    private static final String BY_ID = SELECT + " where m.id = ?";
    private static final String AFTER_IN_ROOMS = """
            select x.id, x.room_id, x.user_id, x.username, x.text, x.created_at
            from unnest(?::bigint[]) as r(room_id)
            cross join lateral (
                select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at
                from messages m join users u on u.id = m.user_id
                where m.room_id = r.room_id and m.id > ?
                order by m.id
                limit ?
            ) x
            order by x.room_id, x.id
            """;
    private static final String LAST_ID = "select coalesce(max(id), 0) from messages where room_id = ?";

    private final Sql sql;
    private final RoomService rooms;
    private final AfterPost after;
    private final PostEffects effects;
    private final WriteLimiter limiter;

    /**
     * {@code effects} add a post's jobs (mentions, webhooks) to the outbox in the post's transaction;
     * {@code limiter} bounds each user's posts, whichever API they come through.
     */
    public MessageService(Sql sql, RoomService rooms, PostEffects effects, WriteLimiter limiter, AfterPost after) {
        this.sql = sql;
        this.rooms = rooms;
        this.effects = effects;
        this.limiter = limiter;
        this.after = after;
    }

    private record KeyUse(long roomId, Long messageId) {
    }

    /**
     * Posts {@code text} as the user; with an {@code idempotencyKey} (1-128 visible ASCII characters)
     * the post is stored once per user and key, and a repeat returns the first message, replayed.
     */
    public Posted post(long roomId, long userId, String username, String text, String idempotencyKey) {
        Text.require("text", text, 1, 4000);
        if (text.isBlank()) {
            throw new InvalidInput("text must not be blank");
        }
        if (idempotencyKey != null && !idempotencyKey.matches("[\\x21-\\x7E]{1,128}")) {
            throw new InvalidInput("Idempotency-Key must be 1 to 128 visible ASCII characters");
        }
        // Every attempt that passed validation counts, a replayed one too: a retry loop is a script.
        limiter.admit(userId);
        Optional<Posted> posted = sql.transaction(tx -> {
            if (idempotencyKey != null) {
                // A non-member is refused before the key is looked at, as without a key.
                rooms.requireMember(tx, roomId, userId);
                // A concurrent post with the same key (on any instance) waits here on the unique index
                // until the first commits, then finds the key taken and replays that message.
                if (!tx.exists(CLAIM_KEY, userId, idempotencyKey, roomId)) {
                    return Optional.<Posted>empty();
                }
            }
            Message message = insertAsMember(tx, roomId, userId, username, text);
            if (idempotencyKey != null) {
                tx.update(BIND_KEY, message.id(), userId, idempotencyKey);
            }
            effects.posted(tx, message);
            return Optional.of(new Posted(message, false));
        });
        if (posted.isEmpty()) {
            return replay(userId, idempotencyKey, roomId);
        }
        after.committed(posted.get().message());
        return posted.get();
    }

    private Message insertAsMember(Sql.Transaction tx, long roomId, long userId, String username, String text) {
        Optional<Message> inserted = tx.one(INSERT_AS_MEMBER, rs -> new Message(rs.getLong(1), roomId, userId, username,
                text, rs.getTimestamp(2).toInstant()), roomId, roomId, userId, userId, text);
        if (inserted.isPresent()) {
            return inserted.get();
        }
        // Throws NotFound or Forbidden; returns only when the user joined since, in another transaction.
        rooms.requireMember(tx, roomId, userId);
        return tx.one(INSERT_AS_MEMBER, rs -> new Message(rs.getLong(1), roomId, userId, username, text,
                rs.getTimestamp(2).toInstant()), roomId, roomId, userId, userId, text).orElseThrow();
    }

    private Posted replay(long userId, String key, long roomId) {
        KeyUse use = sql.one(FIND_KEY, rs -> new KeyUse(rs.getLong(1), (Long) rs.getObject(2)), userId, key)
                .filter(u -> u.messageId() != null)
                .orElseThrow(() -> new Conflict("Idempotency conflict",
                        "a request with this Idempotency-Key is still in progress; retry"));
        if (use.roomId() != roomId) {
            throw new Rejected("Idempotency key reused",
                    "this Idempotency-Key was already used for a post to room " + use.roomId());
        }
        return new Posted(sql.one(BY_ID, MessageService::map, use.messageId()).orElseThrow(), true);
    }

    /** What a live feed reads: the room's messages after {@code afterId}, ascending, at most {@code limit}. */
    public List<Message> newer(long roomId, long afterId, int limit) {
        return sql.query(AFTER, MessageService::map, roomId, afterId, limit);
    }

    /** Messages of a room with ids greater than {@code afterId}, ascending; the caller checked membership. */
    public MessagePage after(long roomId, long afterId, int limit) {
        List<Message> items = sql.query(AFTER, MessageService::map, roomId, afterId, limit);
        Long next = items.size() == limit ? items.get(items.size() - 1).id() : null;
        return new MessagePage(items, next);
    }

    /**
     * Messages of a room after {@code afterId} for a reader whose membership is checked in the same
     * query; throws as {@link RoomService#requireMember} does when the user is not a member.
     */
    public MessagePage afterAsMember(long roomId, long userId, long afterId, int limit) {
        boolean[] member = {false};
        List<Message> items = sql.query(AFTER_AS_MEMBER, rs -> {
            member[0] = rs.getBoolean(7);
            return rs.getObject(1) == null ? null : map(rs);
        }, roomId, userId, roomId, afterId, limit);
        if (!member[0]) {
            rooms.requireMember(roomId, userId);
            return after(roomId, afterId, limit);
        }
        items = items.size() == 1 && items.get(0) == null ? List.of() : items;
        Long next = items.size() == limit ? items.get(items.size() - 1).id() : null;
        return new MessagePage(items, next);
    }

    /** Messages after an id in several rooms at once, one query (for batched GraphQL loads). */
    public Map<Long, List<Message>> afterInRooms(Collection<Long> roomIds, long afterId, int limit) {
        return sql.query(AFTER_IN_ROOMS, MessageService::map, Sql.bigints(roomIds), afterId, limit).stream()
                .collect(Collectors.groupingBy(Message::roomId));
    }

    /** The id of the newest message in the room (0 when empty): where a live subscription without a cursor starts. */
    public long lastId(long roomId) {
        return sql.one(LAST_ID, rs -> rs.getLong(1), roomId).orElse(0L);
    }

    private static Message map(ResultSet rs) throws SQLException {
        return new Message(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                rs.getTimestamp(6).toInstant());
    }
}
