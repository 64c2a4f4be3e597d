package io.loomcluster.app.rooms;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A room in {@code GET /api/rooms}: the room and the caller's read state of it (both null when not a member). */
public record ListedRoom(long id, String name, String topic, long createdBy, Instant createdAt, int memberCount,
                         Integer unread, Long readUpTo) {

    /** One page of listed rooms; {@code next} as in {@link RoomPage}. */
    public record Page(List<ListedRoom> items, String next) {
    }

    static Page page(RoomPage page, Map<Long, ReadState> reads) {
        return new Page(page.items().stream().map(room -> of(room, reads.get(room.id()))).toList(), page.next());
    }

    private static ListedRoom of(Room room, ReadState read) {
        return new ListedRoom(room.id(), room.name(), room.topic(), room.createdBy(), room.createdAt(), room.memberCount(),
                read == null ? null : read.unread(), read == null ? null : read.readUpTo());
    }
}
