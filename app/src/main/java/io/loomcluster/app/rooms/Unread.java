package io.loomcluster.app.rooms;

import java.util.List;

/** The unread counts of every room the user is a member of (at most {@link ReadMarkers#MAX_ROOMS}), and their sum. */
public record Unread(long total, List<ReadState> rooms) {
}
