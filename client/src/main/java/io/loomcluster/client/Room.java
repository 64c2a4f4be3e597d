package io.loomcluster.client;

import java.time.Instant;

/** A chat room. */
public record Room(long id, String name, String topic, long createdBy, Instant createdAt, int memberCount) {
}
