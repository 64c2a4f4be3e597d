package io.loomcluster.loadtest.api;

/** A logged-in account of the run: the value of its {@code SESSION} cookie, reused for all its requests. */
public record Account(long userId, String username, String cookie) {
}
