package io.loomcluster.contract;

import java.time.Duration;

/**
 * Waiting where there is nothing to wait on (a reconnect or start-up back-off, the drain delay that
 * lets balancers see a 503, a client's wait before a retry): a sleep that keeps the interrupt for the
 * caller to act on. One helper for the app, the client library and the tools.
 */
public final class Pause {
    private Pause() {
    }

    /** Sleeps; when interrupted, sets the thread's interrupt flag again and returns false. */
    public static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The next back-off: twice this one, at most {@code max}. */
    public static Duration doubled(Duration backoff, Duration max) {
        Duration twice = backoff.multipliedBy(2);
        return twice.compareTo(max) > 0 ? max : twice;
    }
}
