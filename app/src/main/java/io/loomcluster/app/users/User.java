package io.loomcluster.app.users;

/** A registered user as the API shows it. */
public record User(long id, String username) {
}
