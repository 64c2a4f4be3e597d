package io.loomcluster.app.messages;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.Text;
import io.loomcluster.app.rooms.RoomService;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
    private static final String LOCK_ROOM = "update rooms set message_count = message_count + 1 where id = ?";
    private static final String INSERT = """
            insert into messages (room_id, user_id, text) values (?, ?, ?) returning id, created_at
            """;
    private static final String BIND_KEY = "update idempotency_keys set message_id = ? where user_id = ? and key = ?";
    private static final String SELECT = """
            select m.id, m.room_id, m.user_id, u.username, m.text, m.created_at
            from messages m join users u on u.id = m.user_id
            """;
    private static final String AFTER = SELECT + " where m.room_id = ? and m.id > ? order by m.id limit ?";
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

    public MessageService(Sql sql, RoomService rooms) {
        this.sql = sql;
        this.rooms = rooms;
    }

    public static void validateKey(String key) {
        if (key != null && !key.matches("[\\x21-\\x7E]{1,128}")) {
            throw ApiException.badRequest("Idempotency-Key must be 1 to 128 visible ASCII characters");
        }
    }

    public Posted post(long roomId, long userId, String username, String text, String idempotencyKey) {
        Text.require("text", text, 1, 4000);
        if (text.isBlank()) {
            throw ApiException.badRequest("text must not be blank");
        }
        validateKey(idempotencyKey);
        Optional<Posted> posted = sql.transaction(c -> {
            rooms.requireMember(c, roomId, userId);
            // A concurrent post with the same key (on any instance) waits here on the unique index
            // until the first commits, then finds the key taken and replays that message.
            if (idempotencyKey != null && !claimKey(c, userId, idempotencyKey, roomId)) {
                return Optional.<Posted>empty();
            }
            try (PreparedStatement lock = c.prepareStatement(LOCK_ROOM)) {
                lock.setLong(1, roomId);
                lock.executeUpdate();
            }
            Message message = insert(c, roomId, userId, username, text);
            if (idempotencyKey != null) {
                try (PreparedStatement ps = c.prepareStatement(BIND_KEY)) {
                    ps.setLong(1, message.id());
                    ps.setLong(2, userId);
                    ps.setString(3, idempotencyKey);
                    ps.executeUpdate();
                }
            }
            return Optional.of(new Posted(message, false));
        });
        return posted.orElseGet(() -> replay(userId, idempotencyKey, roomId));
    }

    private static boolean claimKey(Connection c, long userId, String key, long roomId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CLAIM_KEY)) {
            ps.setLong(1, userId);
            ps.setString(2, key);
            ps.setLong(3, roomId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Message insert(Connection c, long roomId, long userId, String username, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setLong(1, roomId);
            ps.setLong(2, userId);
            ps.setString(3, text);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Message(rs.getLong(1), roomId, userId, username, text, rs.getTimestamp(2).toInstant());
            }
        }
    }

    private Posted replay(long userId, String key, long roomId) {
        return sql.read(c -> {
            long keyRoom;
            long messageId;
            try (PreparedStatement ps = c.prepareStatement(FIND_KEY)) {
                ps.setLong(1, userId);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ApiException(409, "Idempotency conflict", "a request with this Idempotency-Key is still in progress; retry");
                    }
                    keyRoom = rs.getLong(1);
                    messageId = rs.getLong(2);
                    if (rs.wasNull()) {
                        throw new ApiException(409, "Idempotency conflict", "a request with this Idempotency-Key is still in progress; retry");
                    }
                }
            }
            if (keyRoom != roomId) {
                throw new ApiException(422, "Idempotency key reused",
                        "this Idempotency-Key was already used for a post to room " + keyRoom);
            }
            try (PreparedStatement ps = c.prepareStatement(BY_ID)) {
                ps.setLong(1, messageId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Posted(map(rs), true);
                }
            }
        });
    }

    /** Messages of a room with ids greater than {@code afterId}, ascending; the caller checked membership. */
    public MessagePage after(long roomId, long afterId, int limit) {
        List<Message> items = sql.read(c -> after(c, roomId, afterId, limit));
        Long next = items.size() == limit ? items.get(items.size() - 1).id() : null;
        return new MessagePage(items, next);
    }

    /** Messages after an id in several rooms at once, one query (for batched GraphQL loads). */
    public java.util.Map<Long, List<Message>> afterInRooms(java.util.Collection<Long> roomIds, long afterId, int limit) {
        return sql.read(c -> {
            java.util.Map<Long, List<Message>> byRoom = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(AFTER_IN_ROOMS)) {
                ps.setArray(1, c.createArrayOf("bigint", roomIds.toArray()));
                ps.setLong(2, afterId);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Message m = map(rs);
                        byRoom.computeIfAbsent(m.roomId(), id -> new ArrayList<>()).add(m);
                    }
                }
            }
            return byRoom;
        });
    }

    /** The id of the newest message in the room (0 when empty): where a live subscription without a cursor starts. */
    public long lastId(long roomId) {
        return sql.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(LAST_ID)) {
                ps.setLong(1, roomId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static List<Message> after(Connection c, long roomId, long afterId, int limit) throws SQLException {
        List<Message> items = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(AFTER)) {
            ps.setLong(1, roomId);
            ps.setLong(2, afterId);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(map(rs));
                }
            }
        }
        return items;
    }

    private static Message map(ResultSet rs) throws SQLException {
        return new Message(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                rs.getTimestamp(6).toInstant());
    }
}
