package io.loomcluster.app.rooms;

/**
 * What a member has read of a room: {@code readUpTo} is their marker (null for a membership that has
 * none yet, which counts everything as unread), {@code unread} at most {@link ReadMarkers#MAX_UNREAD}.
 */
public record ReadState(long roomId, int unread, Long readUpTo) {
}
