package io.loomcluster.client;

import java.util.List;

/** One page of rooms; pass {@code next} as the cursor of the following page (null on the last). */
public record RoomPage(List<Room> items, String next) {
}
