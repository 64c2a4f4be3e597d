package io.loomcluster.app.rooms;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.Text;
import io.loomcluster.app.redis.Redis;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Rooms and memberships in PostgreSQL, with reads cached in Redis. */
public final class RoomService {
    private static final String COLUMNS = "id, name, topic, created_by, created_at, member_count";
    private static final String INSERT = """
            insert into rooms (name, topic, created_by, member_count) values (?, ?, ?, 1)
            returning id, name, topic, created_by, created_at, member_count
            """;
    private static final String INSERT_MEMBER = """
            insert into memberships (room_id, user_id) values (?, ?) on conflict do nothing
            """;
    private static final String FIND = "select " + COLUMNS + " from rooms where id = ?";
    private static final String PAGE = "select " + COLUMNS + " from rooms where id > ? order by id limit ?";
    private static final String ADJUST_MEMBERS = "update rooms set member_count = member_count + ? where id = ?";
    private static final String DELETE_MEMBER = "delete from memberships where room_id = ? and user_id = ?";
    private static final String IS_MEMBER = "select 1 from memberships where room_id = ? and user_id = ?";
    private static final String EXISTS = "select 1 from rooms where id = ?";
    private static final String BY_IDS = "select " + COLUMNS + " from rooms where id = any(?)";
    private static final String MEMBER_OF = "select room_id from memberships where user_id = ? and room_id = any(?)";

    private final Sql sql;
    private final RoomCache cache;

    public RoomService(Sql sql, Redis redis, ObjectMapper json) {
        this.sql = sql;
        this.cache = new RoomCache(redis, json);
    }

    public Room create(long userId, String name, String topic) {
        Text.require("name", name, 1, 80);
        if (name.isBlank()) {
            throw ApiException.badRequest("name must not be blank");
        }
        Text.optional("topic", topic, 200);
        Room room = sql.transaction(c -> {
            Room created;
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, name);
                ps.setString(2, topic);
                ps.setLong(3, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    created = map(rs);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT_MEMBER)) {
                ps.setLong(1, created.id());
                ps.setLong(2, userId);
                ps.executeUpdate();
            }
            return created;
        });
        cache.invalidateAll();
        return room;
    }

    public Room get(long roomId) {
        Room room = cache.get("room:" + roomId, Room.class, () -> sql.read(c -> find(c, roomId)));
        if (room == null) {
            throw ApiException.notFound("room " + roomId + " does not exist");
        }
        return room;
    }

    public RoomPage page(long afterId, int limit) {
        return cache.get("page:" + afterId + ":" + limit, RoomPage.class, () -> sql.read(c -> {
            List<Room> rooms = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(PAGE)) {
                ps.setLong(1, afterId);
                ps.setInt(2, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rooms.add(map(rs));
                    }
                }
            }
            boolean more = rooms.size() > limit;
            List<Room> items = more ? rooms.subList(0, limit) : rooms;
            return new RoomPage(List.copyOf(items), more ? Long.toString(items.get(items.size() - 1).id()) : null);
        }));
    }

    public void join(long roomId, long userId) {
        boolean changed = sql.transaction(c -> {
            requireExists(c, roomId);
            try (PreparedStatement ps = c.prepareStatement(INSERT_MEMBER)) {
                ps.setLong(1, roomId);
                ps.setLong(2, userId);
                return ps.executeUpdate() == 1 && adjustMembers(c, roomId, 1);
            }
        });
        if (changed) {
            cache.invalidateAll();
        }
    }

    public void leave(long roomId, long userId) {
        boolean changed = sql.transaction(c -> {
            requireExists(c, roomId);
            try (PreparedStatement ps = c.prepareStatement(DELETE_MEMBER)) {
                ps.setLong(1, roomId);
                ps.setLong(2, userId);
                return ps.executeUpdate() == 1 && adjustMembers(c, roomId, -1);
            }
        });
        if (changed) {
            cache.invalidateAll();
        }
    }

    /** Rooms by id, in one query (for batched GraphQL loads); unknown ids are absent from the map. */
    public java.util.Map<Long, Room> byIds(java.util.Collection<Long> roomIds) {
        return sql.read(c -> {
            java.util.Map<Long, Room> found = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(BY_IDS)) {
                ps.setArray(1, c.createArrayOf("bigint", roomIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Room room = map(rs);
                        found.put(room.id(), room);
                    }
                }
            }
            return found;
        });
    }

    /** Which of the given rooms the user is a member of, in one query (for batched GraphQL loads). */
    public java.util.Set<Long> memberOf(long userId, java.util.Collection<Long> roomIds) {
        return sql.read(c -> {
            java.util.Set<Long> rooms = new java.util.HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(MEMBER_OF)) {
                ps.setLong(1, userId);
                ps.setArray(2, c.createArrayOf("bigint", roomIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rooms.add(rs.getLong(1));
                    }
                }
            }
            return rooms;
        });
    }

    /** Throws 404 when the room does not exist and 403 when the user is not a member. */
    public void requireMember(Connection c, long roomId, long userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(IS_MEMBER)) {
            ps.setLong(1, roomId);
            ps.setLong(2, userId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        requireExists(c, roomId);
        throw ApiException.forbidden("you are not a member of room " + roomId + "; join it with POST /api/rooms/" + roomId + "/members");
    }

    public void requireMember(long roomId, long userId) {
        sql.read(c -> {
            requireMember(c, roomId, userId);
            return null;
        });
    }

    private static void requireExists(Connection c, long roomId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(EXISTS)) {
            ps.setLong(1, roomId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("room " + roomId + " does not exist");
                }
            }
        }
    }

    private static boolean adjustMembers(Connection c, long roomId, int delta) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ADJUST_MEMBERS)) {
            ps.setInt(1, delta);
            ps.setLong(2, roomId);
            ps.executeUpdate();
            return true;
        }
    }

    private static Room find(Connection c, long roomId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setLong(1, roomId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? map(rs) : null;
            }
        }
    }

    private static Room map(ResultSet rs) throws SQLException {
        return new Room(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                rs.getTimestamp(5).toInstant(), rs.getInt(6));
    }
}
