package io.loomcluster.app.sessions;

import io.loomcluster.app.errors.DomainException.LimitReached;
import io.loomcluster.app.redis.SlidingWindows;

import java.time.Duration;

/**
 * Login limits in Redis, shared by every instance, keyed so that a stranger cannot lock an owner
 * out: failures per client and username (tight: {@code LOGIN_LIMIT_PER_ADDRESS_AND_USER} per
 * {@code LOGIN_LIMIT_WINDOW}), attempts per client ({@code LOGIN_LIMIT_PER_ADDRESS}), and failures
 * per username from anywhere ({@code LOGIN_FAILURES_PER_USER} per {@code LOGIN_FAILURE_WINDOW}), a
 * ceiling far above a human's rate that bounds brute force spread over many addresses. A client is
 * its address key ({@link io.loomcluster.contract.ClientKeys}). An attempt is counted before the
 * password is checked (so that parallel guesses are bounded too) and taken back from the failure
 * counts when the password was right. Over a limit: {@link LimitReached} (429 with Retry-After).
 */
public final class LoginRateLimiter {
    private static final String PREFIX = "loom:ratelimit:login:";

    /** An admitted login attempt; {@link #succeeded} when the password was right. */
    public final class Attempt {
        private final SlidingWindows.Attempt clientAndUser;
        private final SlidingWindows.Attempt user;

        private Attempt(SlidingWindows.Attempt clientAndUser, SlidingWindows.Attempt user) {
            this.clientAndUser = clientAndUser;
            this.user = user;
        }

        /** A right password is not a failure: it leaves the failure counts as they were. */
        public void succeeded() {
            windows.forget(clientAndUser);
            windows.forget(user);
        }
    }

    private final SlidingWindows windows;
    private final int perClientAndUser;
    private final int perClient;
    private final long windowMillis;
    private final int failuresPerUser;
    private final long failureWindowMillis;

    public LoginRateLimiter(SlidingWindows windows, int perClientAndUser, int perClient, Duration window,
                            int failuresPerUser, Duration failureWindow) {
        this.windows = windows;
        this.perClientAndUser = perClientAndUser;
        this.perClient = perClient;
        this.windowMillis = window.toMillis();
        this.failuresPerUser = failuresPerUser;
        this.failureWindowMillis = failureWindow.toMillis();
    }

    /** Counts one attempt against every limit; throws 429 when one is exhausted. */
    public Attempt checkAttempt(String username, String clientKey) {
        SlidingWindows.Attempt clientAndUser = windows.admit(PREFIX + "pair:" + clientKey + ":" + username,
                perClientAndUser, windowMillis);
        if (!clientAndUser.admitted()) {
            throw limited("too many failed logins to this username from your address", clientAndUser.waitMillis());
        }
        SlidingWindows.Attempt client = windows.admit(PREFIX + "addr:" + clientKey, perClient, windowMillis);
        if (!client.admitted()) {
            throw limited("too many login attempts from your address", client.waitMillis());
        }
        SlidingWindows.Attempt user = windows.admit(PREFIX + "user:" + username, failuresPerUser, failureWindowMillis);
        if (!user.admitted()) {
            throw limited("too many failed logins to this username from anywhere", user.waitMillis());
        }
        return new Attempt(clientAndUser, user);
    }

    private static LimitReached limited(String what, long waitMillis) {
        long retryAfter = Math.max(1, (waitMillis + 999) / 1000);
        return new LimitReached("Too many login attempts", what + "; retry in " + retryAfter + " s",
                Duration.ofSeconds(retryAfter));
    }
}
