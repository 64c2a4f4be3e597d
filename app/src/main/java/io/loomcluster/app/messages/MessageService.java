package io.loomcluster.app.messages;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.errors.DomainException.Conflict;
import io.loomcluster.app.errors.DomainException.Forbidden;
import io.loomcluster.app.errors.DomainException.NotFound;
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
import java.time.Duration;

/**
 * Posting, editing, deleting and reading messages, and the room's change log. Every change of a room
 * (a post, an edit, a delete) takes the room's row lock before its position (a post's is its message
 * id; an edit's or delete's comes from the same sequence), so positions within a room become visible
 * in increasing order: "after position N" never skips a late commit nor repeats one.
 */
public final class MessageService {
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
    // A keyed post in one statement: the same as above, then the key bound to the new message. When
    // the key is taken (a retry, or a concurrent post with the same key that committed first: this
    // one waited for it on the room lock and then on the key's unique index) the last column is
    // false and the caller rolls the message back and replays the first one.
    private static final String INSERT_KEYED_AS_MEMBER = """
            with locked as (
                update rooms set message_count = message_count + 1
                where id = ? and exists (select 1 from memberships where room_id = ? and user_id = ?)
                returning id
            ), inserted as (
                insert into messages (room_id, user_id, text) select id, ?, ? from locked returning id, created_at
            ), keyed as (
                insert into idempotency_keys (user_id, key, room_id, message_id)
                select ?, ?, ?, id from inserted
                on conflict do nothing
                returning message_id
            )
            select i.id, i.created_at, exists (select 1 from keyed) from inserted i
            """;
    private static final String COLUMNS = "m.id, m.room_id, m.user_id, u.username, m.text, m.created_at, m.edited_at, m.deleted_at is not null";
    private static final String SELECT = "select " + COLUMNS + " from messages m join users u on u.id = m.user_id\n";
    private static final String AFTER = SELECT + " where m.room_id = ? and m.id > ? order by m.id limit ?";
    // The reader's membership and the page in one round trip: always one row at least, the first
    // column telling whether the user is a member (the page is empty when not).
    private static final String AFTER_AS_MEMBER = """
            select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at, m.edited_at, m.deleted_at is not null, k.member
            from (select exists (select 1 from memberships where room_id = ? and user_id = ?) as member) k
            left join lateral (
                select id, room_id, user_id, text, created_at, edited_at, deleted_at from messages
                where k.member and room_id = ? and id > ?
                order by id limit ?
            ) m on true
            left join users u on u.id = m.user_id
            order by m.id
            """;
    private static final String BY_ID = SELECT + " where m.id = ?";
    private static final String AFTER_IN_ROOMS = """
            select x.*
            from unnest(?::bigint[]) as r(room_id)
            cross join lateral (
                select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at, m.edited_at, m.deleted_at is not null
                from messages m join users u on u.id = m.user_id
                where m.room_id = r.room_id and m.id > ?
                order by m.id
                limit ?
            ) x
            order by x.room_id, x.id
            """;
    // The room's newest position: its newest message or newest change, whichever is later.
    private static final String LAST_POSITION = """
            select greatest((select coalesce(max(id), 0) from messages where room_id = ?),
                            (select coalesce(max(position), 0) from message_changes where room_id = ?))
            """;
    // The change log after a position: creations (position = message id) merged with edits and
    // deletes, each with the message as it is now. Both sides are index range scans in order.
    private static final String CHANGES = """
            select c.position, c.kind, %s
            from (
                (select id as position, 'created' as kind, id as message_id from messages
                 where room_id = ? and id > ? order by id limit ?)
                union all
                (select position, kind, message_id from message_changes
                 where room_id = ? and position > ? order by position limit ?)
                order by position limit ?
            ) c
            join messages m on m.id = c.message_id join users u on u.id = m.user_id
            order by c.position
            """.formatted(COLUMNS);
    // The message to change, the room's creator, whether the user may still write, and the edit
    // window, with the room's row lock taken first: changes of a room are serialised with its posts.
    private static final String LOCK_FOR_CHANGE = """
            select m.user_id, m.deleted_at is not null, m.text, r.created_by,
                   exists (select 1 from memberships where room_id = r.id and user_id = ?),
                   extract(epoch from now() - m.created_at) <= ?
            from rooms r join messages m on m.room_id = r.id and m.id = ?
            where r.id = ?
            for update of r
            """;
    private static final String EDIT = "update messages set text = ?, edited_at = now() where id = ?";
    private static final String TOMBSTONE = "update messages set text = '', deleted_at = now(), deleted_by = ? where id = ?";
    private static final String LOG_CHANGE = """
            insert into message_changes (room_id, message_id, kind) values (?, ?, ?) returning position
            """;

    private final Sql sql;
    private final RoomService rooms;
    private final AfterPost after;
    private final PostEffects effects;
    private final WriteLimiter limiter;
    private final Duration editWindow;

    /**
     * {@code effects} add a post's jobs (mentions, webhooks) to the outbox in the post's transaction;
     * {@code limiter} bounds each user's posts, whichever API they come through.
     */
    public MessageService(Sql sql, RoomService rooms, PostEffects effects, WriteLimiter limiter, AfterPost after,
                          Duration editWindow) {
        this.sql = sql;
        this.editWindow = editWindow;
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
        Optional<Posted> posted;
        try {
            posted = sql.transaction(tx -> {
                Message message = idempotencyKey == null
                        ? insertAsMember(tx, roomId, userId, username, text)
                        : insertKeyedAsMember(tx, roomId, userId, username, text, idempotencyKey);
                effects.posted(tx, message);
                return Optional.of(new Posted(message, false));
            });
        } catch (KeyTaken e) {
            posted = Optional.empty();
        }
        if (posted.isEmpty()) {
            return replay(userId, idempotencyKey, roomId);
        }
        after.committed(posted.get().message());
        return posted.get();
    }

    /** The key was used before: the transaction rolls back (its message with it) and the first message is replayed. */
    private static final class KeyTaken extends RuntimeException {
        KeyTaken() {
            super(null, null, false, false);
        }
    }

    private record Inserted(Message message, boolean keyed) {
    }

    private Message insertAsMember(Sql.Transaction tx, long roomId, long userId, String username, String text) {
        Sql.Row<Message> row = rs -> Message.posted(rs.getLong(1), roomId, userId, username, text, rs.getTimestamp(2).toInstant());
        Optional<Message> inserted = tx.one(INSERT_AS_MEMBER, row, roomId, roomId, userId, userId, text);
        if (inserted.isPresent()) {
            return inserted.get();
        }
        // Throws NotFound or Forbidden; returns only when the user joined since, in another transaction.
        rooms.requireMember(tx, roomId, userId);
        return tx.one(INSERT_AS_MEMBER, row, roomId, roomId, userId, userId, text).orElseThrow();
    }

    private Message insertKeyedAsMember(Sql.Transaction tx, long roomId, long userId, String username, String text, String key) {
        Object[] args = {roomId, roomId, userId, userId, text, userId, key, roomId};
        Sql.Row<Inserted> row = rs -> new Inserted(Message.posted(rs.getLong(1), roomId, userId, username, text,
                rs.getTimestamp(2).toInstant()), rs.getBoolean(3));
        Optional<Inserted> inserted = tx.one(INSERT_KEYED_AS_MEMBER, row, args);
        if (inserted.isEmpty()) {
            // Throws NotFound or Forbidden; returns only when the user joined since, in another transaction.
            rooms.requireMember(tx, roomId, userId);
            inserted = tx.one(INSERT_KEYED_AS_MEMBER, row, args);
        }
        if (!inserted.orElseThrow().keyed()) {
            throw new KeyTaken();
        }
        return inserted.get().message();
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
            member[0] = rs.getBoolean(9);
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

    /** The room's newest position (0 when nothing happened yet): where a live subscription without a cursor starts. */
    public long lastPosition(long roomId) {
        return sql.one(LAST_POSITION, rs -> rs.getLong(1), roomId, roomId).orElse(0L);
    }

    /** The room's change log after {@code position}, ascending, at most {@code limit}: what live feeds read. */
    public List<Change> changes(long roomId, long position, int limit) {
        return sql.query(CHANGES, MessageService::change, roomId, position, limit, roomId, position, limit, limit);
    }

    /** One page of the change log for a reader whose membership is checked first. */
    public ChangePage changesAsMember(long roomId, long userId, long position, int limit) {
        rooms.requireMember(roomId, userId);
        List<Change> items = changes(roomId, position, limit);
        return new ChangePage(items, items.size() == limit ? items.get(items.size() - 1).position() : null);
    }

    /**
     * Replaces the text of the user's own message, within the edit window. The same text again
     * changes nothing and answers the message as it is (a retried edit is harmless, even late).
     */
    public Change edit(long roomId, long messageId, long userId, String text) {
        Text.require("text", text, 1, 4000);
        if (text.isBlank()) {
            throw new InvalidInput("text must not be blank");
        }
        limiter.admit(userId);
        return change(roomId, messageId, userId, Change.Kind.UPDATED, text);
    }

    /**
     * Deletes a message, by its author or the room's creator: a tombstone keeps the id, the text goes.
     * Deleting a deleted message changes nothing.
     */
    public Change delete(long roomId, long messageId, long userId) {
        limiter.admit(userId);
        return change(roomId, messageId, userId, Change.Kind.DELETED, null);
    }

    private record Target(long author, boolean deleted, String text, long creator, boolean member, boolean editable) {
    }

    private Change change(long roomId, long messageId, long userId, Change.Kind kind, String text) {
        boolean[] changed = {false};
        Change change = sql.transaction(tx -> {
            Target target = tx.one(LOCK_FOR_CHANGE, rs -> new Target(rs.getLong(1), rs.getBoolean(2), rs.getString(3),
                            rs.getLong(4), rs.getBoolean(5), rs.getBoolean(6)),
                    userId, editWindow.toSeconds(), messageId, roomId)
                    .orElse(null);
            if (target == null) {
                rooms.requireMember(tx, roomId, userId); // 404 for no room, 403 for a non-member
                throw new NotFound("message " + messageId + " does not exist in room " + roomId);
            }
            if (!target.member()) {
                rooms.requireMember(tx, roomId, userId);
            }
            boolean noop = kind == Change.Kind.DELETED ? target.deleted()
                    : !target.deleted() && target.text().equals(text);
            if (kind == Change.Kind.UPDATED) {
                if (target.author() != userId) {
                    throw new Forbidden("only the author edits a message");
                }
                if (target.deleted()) {
                    throw new Conflict("Message deleted", "message " + messageId + " was deleted; it cannot be edited");
                }
                if (!noop && !target.editable()) {
                    throw new Conflict("Edit window closed", "a message can be edited for " + editWindow.toMinutes()
                            + " minutes after it was posted (MESSAGE_EDIT_WINDOW)");
                }
            } else if (target.author() != userId && target.creator() != userId) {
                throw new Forbidden("only the author or the room's creator deletes a message");
            }
            if (noop) {
                Message now = tx.one(BY_ID, MessageService::map, messageId).orElseThrow();
                return new Change(0, kind, now);
            }
            if (kind == Change.Kind.UPDATED) {
                tx.update(EDIT, text, messageId);
            } else {
                tx.update(TOMBSTONE, userId, messageId);
            }
            long position = tx.one(LOG_CHANGE, rs -> rs.getLong(1), roomId, messageId,
                    kind == Change.Kind.UPDATED ? "updated" : "deleted").orElseThrow();
            Change logged = new Change(position, kind, tx.one(BY_ID, MessageService::map, messageId).orElseThrow());
            effects.changed(tx, logged);
            changed[0] = true;
            return logged;
        });
        if (changed[0]) {
            after.committed(change.message());
        }
        return change;
    }

    static Message map(ResultSet rs) throws SQLException {
        return map(rs, 1);
    }

    private static Message map(ResultSet rs, int first) throws SQLException {
        java.sql.Timestamp edited = rs.getTimestamp(first + 6);
        return new Message(rs.getLong(first), rs.getLong(first + 1), rs.getLong(first + 2), rs.getString(first + 3),
                rs.getString(first + 4), rs.getTimestamp(first + 5).toInstant(), edited == null ? null : edited.toInstant(),
                rs.getBoolean(first + 7));
    }

    private static Change change(ResultSet rs) throws SQLException {
        return new Change(rs.getLong(1), Change.Kind.of(rs.getString(2)), map(rs, 3));
    }
}
