package io.loomcluster.app.rooms;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.db.Statements;
import io.loomcluster.app.errors.DomainException.InvalidInput;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How far each member has read each room: a position (a message id or a change position, one
 * sequence) that never moves back and never passes the room's newest position. Joining a room sets
 * it to that newest position, so a newcomer's unread count starts at zero however long the history.
 *
 * Unread: the room's messages after the marker that others wrote and nobody deleted. Counting looks
 * at no more than {@link #MAX_UNREAD} messages after the marker, so a badge never scans a huge room:
 * when that many or more follow the marker, the count is {@link #MAX_UNREAD} ("999+").
 */
public final class ReadMarkers {
    public static final int MAX_UNREAD = 1_000;
    public static final int MAX_ROOMS = 1_000;

    // The room's newest position: its newest message or its newest change (edit, delete).
    private static final String NEWEST = """
            greatest(coalesce((select max(id) from messages where room_id = ?), 0),
                     coalesce((select max(position) from message_changes where room_id = ?), 0))
            """;
    // A row back means the marker was made or moved forward.
    private static final String MARK = """
            insert into read_markers as r (user_id, room_id, up_to)
            select ?, ?, least(?, %s)
            on conflict (user_id, room_id) do update set up_to = excluded.up_to, updated_at = now()
            where r.up_to < excluded.up_to
            returning up_to
            """.formatted(NEWEST);
    private static final String MARKER = "select up_to from read_markers where user_id = ? and room_id = ?";
    // Per membership: the marker and a count over at most MAX_UNREAD messages after it (the index
    // messages_room_id serves the window in id order); "seen" tells whether the window was full.
    private static final String STATES = """
            select mb.room_id, r.up_to, w.unread, w.seen
            from (%s) mb
            left join read_markers r on r.user_id = mb.user_id and r.room_id = mb.room_id
            cross join lateral (
                select count(*) filter (where m.user_id <> mb.user_id and m.deleted_at is null) as unread,
                       count(*) as seen
                from (select user_id, deleted_at from messages
                      where room_id = mb.room_id and id > coalesce(r.up_to, 0)
                      order by id limit %d) m
            ) w
            order by mb.room_id
            """;
    private static final String IN_ROOMS = STATES.formatted(
            "select room_id, user_id from memberships where user_id = ? and room_id = any(?)", MAX_UNREAD);
    private static final String ALL_ROOMS = STATES.formatted(
            "select room_id, user_id from memberships where user_id = ? order by room_id limit " + MAX_ROOMS, MAX_UNREAD);

    private final Sql sql;
    private final RoomService rooms;
    private final ReadListener listener;

    public ReadMarkers(Sql sql, RoomService rooms, ReadListener listener) {
        this.sql = sql;
        this.rooms = rooms;
        this.listener = listener;
    }

    /**
     * Marks the room read up to {@code upTo} for a member (clamped to the room's newest position; a
     * smaller value than the marker changes nothing). Throws as {@link RoomService#requireMember}.
     */
    public ReadMarker markRead(long roomId, long userId, long upTo) {
        if (upTo < 0) {
            throw new InvalidInput("upTo must be a position in the room (a message id, 0 or more), got " + upTo);
        }
        record Result(ReadMarker marker, boolean moved) {
        }
        Result result = sql.transaction(tx -> {
            rooms.requireMember(tx, roomId, userId);
            Optional<Long> moved = mark(tx, roomId, userId, upTo);
            long marker = moved.orElseGet(() -> tx.one(MARKER, rs -> rs.getLong(1), userId, roomId).orElseThrow());
            int unread = states(tx, IN_ROOMS, userId, Sql.bigints(List.of(roomId))).getFirst().unread();
            return new Result(new ReadMarker(roomId, marker, unread), moved.isPresent());
        });
        if (result.moved()) {
            listener.moved(roomId, userId, result.marker().upTo());
        }
        return result.marker();
    }

    /** A joining member has read everything before they joined (in the join's transaction). */
    static void joined(Sql.Transaction tx, long roomId, long userId) {
        mark(tx, roomId, userId, Long.MAX_VALUE);
    }

    /** The user's read state of those of {@code roomIds} they are a member of, in one query. */
    public Map<Long, ReadState> inRooms(long userId, Collection<Long> roomIds) {
        if (roomIds.isEmpty()) {
            return Map.of();
        }
        return states(sql, IN_ROOMS, userId, Sql.bigints(roomIds)).stream()
                .collect(Collectors.toMap(ReadState::roomId, Function.identity()));
    }

    /** Every room the user is a member of (the first {@link #MAX_ROOMS} by id), in one query. */
    public Unread unread(long userId) {
        List<ReadState> states = states(sql, ALL_ROOMS, userId);
        return new Unread(states.stream().mapToLong(ReadState::unread).sum(), states);
    }

    /** A page of rooms with the caller's read state of each. */
    public ListedRoom.Page listing(long userId, RoomPage page) {
        return ListedRoom.page(page, inRooms(userId, page.items().stream().map(Room::id).toList()));
    }

    private static Optional<Long> mark(Statements db, long roomId, long userId, long upTo) {
        return db.one(MARK, rs -> rs.getLong(1), userId, roomId, upTo, roomId, roomId);
    }

    private static List<ReadState> states(Statements db, String query, Object... params) {
        return db.query(query, ReadMarkers::state, params);
    }

    private static ReadState state(ResultSet rs) throws SQLException {
        long upTo = rs.getLong(2);
        Long readUpTo = rs.wasNull() ? null : upTo;
        int unread = rs.getInt(4) >= MAX_UNREAD ? MAX_UNREAD : rs.getInt(3);
        return new ReadState(rs.getLong(1), unread, readUpTo);
    }
}
