package io.loomcluster.loadtest.lean;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * When each typist's last typing signal went out (epoch µs), by username: a typing event carries the
 * username but no send time, and a typist signals again only after the last one was delivered
 * everywhere (it waits more than a second, the server's rate), so the latest send time is the one
 * the event belongs to.
 */
final class Typists {
    private final ConcurrentMap<String, Long> sentMicros = new ConcurrentHashMap<>();

    void sent(String username, long micros) {
        sentMicros.put(username, micros);
    }

    /** The send time of the username's last signal, or -1. */
    long sentAt(String username) {
        return sentMicros.getOrDefault(username, -1L);
    }
}
