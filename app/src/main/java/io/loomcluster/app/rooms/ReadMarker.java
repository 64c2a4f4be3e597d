package io.loomcluster.app.rooms;

/** A user's read marker of a room after marking, and what is still unread there. */
public record ReadMarker(long roomId, long upTo, int unread) {
}
