package io.loomcluster.app.rooms;

import java.time.Instant;

/** A chat room as the API shows it. */
public record Room(long id, String name, String topic, long createdBy, Instant createdAt, int memberCount) {
}
