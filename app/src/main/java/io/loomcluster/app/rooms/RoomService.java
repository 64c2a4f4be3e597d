package io.loomcluster.app.rooms;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.db.Statements;
import io.loomcluster.app.errors.DomainException.Forbidden;
import io.loomcluster.app.errors.DomainException.InvalidInput;
import io.loomcluster.app.errors.DomainException.NotFound;
import io.loomcluster.app.errors.Text;
import io.loomcluster.app.redis.Redis;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

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
    private final LeaveEffects leaveEffects;

    public RoomService(Sql sql, Redis redis, ObjectMapper json, LeaveEffects leaveEffects) {
        this.sql = sql;
        this.leaveEffects = leaveEffects;
        this.cache = new RoomCache(redis, json);
    }

    public Room create(long userId, String name, String topic) {
        Text.require("name", name, 1, 80);
        if (name.isBlank()) {
            throw new InvalidInput("name must not be blank");
        }
        Text.optional("topic", topic, 200);
        Room room = sql.transaction(tx -> {
            Room created = tx.one(INSERT, RoomService::map, name, topic, userId).orElseThrow();
            tx.update(INSERT_MEMBER, created.id(), userId);
            ReadMarkers.joined(tx, created.id(), userId);
            return created;
        });
        cache.invalidateAll();
        return room;
    }

    public Room get(long roomId) {
        Room room = cache.get("room:" + roomId, Room.class, () -> sql.one(FIND, RoomService::map, roomId).orElse(null));
        if (room == null) {
            throw new NotFound("room " + roomId + " does not exist");
        }
        return room;
    }

    /**
     * A page of rooms by id after {@code cursor} (null or empty for the first page; else the {@code next}
     * of a previous page), at most {@code limit}.
     */
    public RoomPage page(String cursor, int limit) {
        long after = 0;
        if (cursor != null && !cursor.isEmpty()) {
            if (!cursor.matches("[0-9]{1,18}")) {
                throw new InvalidInput("cursor is not one this API issued; use the 'next' value of a previous page");
            }
            after = Long.parseLong(cursor);
        }
        long afterId = after;
        return cache.get("page:" + afterId + ":" + limit, RoomPage.class, () -> {
            List<Room> rooms = sql.query(PAGE, RoomService::map, afterId, limit + 1);
            boolean more = rooms.size() > limit;
            List<Room> items = more ? rooms.subList(0, limit) : rooms;
            return new RoomPage(List.copyOf(items), more ? Long.toString(items.get(items.size() - 1).id()) : null);
        });
    }

    public void join(long roomId, long userId) {
        changeMembership(roomId, INSERT_MEMBER, userId, 1);
    }

    public void leave(long roomId, long userId) {
        changeMembership(roomId, DELETE_MEMBER, userId, -1);
    }

    private void changeMembership(long roomId, String statement, long userId, int delta) {
        boolean changed = sql.transaction(tx -> {
            requireExists(tx, roomId);
            if (tx.update(statement, roomId, userId) != 1) {
                return false;
            }
            tx.update(ADJUST_MEMBERS, delta, roomId);
            if (delta < 0) {
                leaveEffects.left(tx, roomId, userId);
            } else {
                ReadMarkers.joined(tx, roomId, userId);
            }
            return true;
        });
        if (changed) {
            cache.invalidateAll();
        }
    }

    /** Rooms by id, in one query (for batched GraphQL loads); unknown ids are absent from the map. */
    public Map<Long, Room> byIds(Collection<Long> roomIds) {
        return sql.query(BY_IDS, RoomService::map, Sql.bigints(roomIds)).stream()
                .collect(Collectors.toMap(Room::id, Function.identity()));
    }

    /** Which of the given rooms the user is a member of, in one query (for batched GraphQL loads). */
    public Set<Long> memberOf(long userId, Collection<Long> roomIds) {
        return Set.copyOf(sql.query(MEMBER_OF, rs -> rs.getLong(1), userId, Sql.bigints(roomIds)));
    }

    /** Throws {@link NotFound} when the room does not exist and {@link Forbidden} when the user is not a member. */
    public void requireMember(Statements db, long roomId, long userId) {
        if (db.exists(IS_MEMBER, roomId, userId)) {
            return;
        }
        requireExists(db, roomId);
        throw new Forbidden("you are not a member of room " + roomId + "; join it with POST /api/rooms/" + roomId + "/members");
    }

    public void requireMember(long roomId, long userId) {
        requireMember(sql, roomId, userId);
    }

    private static void requireExists(Statements db, long roomId) {
        if (!db.exists(EXISTS, roomId)) {
            throw new NotFound("room " + roomId + " does not exist");
        }
    }

    private static Room map(ResultSet rs) throws SQLException {
        return new Room(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                rs.getTimestamp(5).toInstant(), rs.getInt(6));
    }
}
