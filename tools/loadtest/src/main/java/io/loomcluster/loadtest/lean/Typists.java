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
    long sentAt(byte[] bytes, int from, int to) {
        Long micros = sentMicros.get(new String(bytes, from, to - from, java.nio.charset.StandardCharsets.UTF_8));
        return micros == null ? -1 : micros;
    }
}
