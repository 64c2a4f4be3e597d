package io.loomcluster.client;

/** The caller's read marker of a room after {@link Session#markRead}, and what is still unread there. */
public record ReadMarker(long roomId, long upTo, int unread) {
}
