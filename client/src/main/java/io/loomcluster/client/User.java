package io.loomcluster.client;

/** A registered user. */
public record User(long id, String username) {
}
