package io.loomcluster.client;

import java.time.Instant;

/**
 * A chat room. {@code unread} and {@code readUpTo} come only with {@link Session#rooms} and only for
 * rooms the caller is a member of (else null); {@code readUpTo} is also null for a membership older
 * than read markers.
 */
public record Room(long id, String name, String topic, long createdBy, Instant createdAt, int memberCount,
                   Integer unread, Long readUpTo) {
}
