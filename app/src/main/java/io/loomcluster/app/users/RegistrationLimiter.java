package io.loomcluster.app.users;

import io.loomcluster.app.errors.DomainException.LimitReached;
import io.loomcluster.app.redis.SlidingWindows;

import java.time.Duration;

/**
 * Registrations per client ({@code REGISTRATION_LIMIT_PER_ADDRESS} per
 * {@code REGISTRATION_LIMIT_WINDOW}), counted in Redis across instances, taken or not: each costs a
 * bcrypt hash or tells whether a name exists. A client is its address key
 * ({@link io.loomcluster.contract.ClientKeys}). Over the limit: {@link LimitReached} (429 with Retry-After).
 */
public final class RegistrationLimiter {
    private static final String PREFIX = "loom:ratelimit:register:";

    private final SlidingWindows windows;
    private final int perClient;
    private final long windowMillis;

    public RegistrationLimiter(SlidingWindows windows, int perClient, Duration window) {
        this.windows = windows;
        this.perClient = perClient;
        this.windowMillis = window.toMillis();
    }

    public void checkAttempt(String clientKey) {
        SlidingWindows.Attempt attempt = windows.admit(PREFIX + clientKey, perClient, windowMillis);
        if (!attempt.admitted()) {
            long retryAfter = Math.max(1, (attempt.waitMillis() + 999) / 1000);
            throw new LimitReached("Too many registrations", "too many registrations from your address; retry in "
                    + retryAfter + " s", Duration.ofSeconds(retryAfter));
        }
    }
}
