package io.loomcluster.app.rooms;

import java.util.List;

/** One keyset page of rooms; {@code next} is the cursor for the following page, null on the last. */
public record RoomPage(List<Room> items, String next) {
}
