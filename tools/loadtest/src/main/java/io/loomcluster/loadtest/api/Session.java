package io.loomcluster.loadtest.api;

/** A logged-in account: the value of its {@code SESSION} cookie, reused for all its requests. */
public record Session(long userId, String username, String cookie) {

    public String cookieHeader() {
        return "SESSION=" + cookie;
    }
}
