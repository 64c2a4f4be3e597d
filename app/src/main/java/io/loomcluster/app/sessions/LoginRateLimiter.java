package io.loomcluster.app.sessions;

import io.loomcluster.app.errors.DomainException.LimitReached;
import io.loomcluster.app.redis.Redis;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Sliding-window limits in Redis, shared by every instance: at most N login attempts per username
 * and M per client address within any window. Over the limit: {@link LimitReached} with the wait (429 with Retry-After). Each key is a
 * sorted set of attempt times holding at most its limit, so an attacker cannot make it grow.
 */
public final class LoginRateLimiter {
    private static final String PREFIX = "loom:ratelimit:login:";
    // KEYS[1] the counter; ARGV: now (ms), window (ms), limit, a unique member.
    // Returns 0 when the attempt is admitted, else the milliseconds until one would be.
    private static final String SCRIPT = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
            local count = redis.call('ZCARD', KEYS[1])
            if count >= tonumber(ARGV[3]) then
              local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
              return math.max(1, tonumber(oldest[2]) + ARGV[2] - ARGV[1])
            end
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 0
            """;

    private final Redis redis;
    private final int perUser;
    private final int perAddress;
    private final long windowMillis;
    private final Clock clock;

    public LoginRateLimiter(Redis redis, int perUser, int perAddress, Duration window, Clock clock) {
        this.redis = redis;
        this.perUser = perUser;
        this.perAddress = perAddress;
        this.windowMillis = Math.max(1, window.toMillis());
        this.clock = clock;
    }

    /** Counts one attempt against both limits; throws 429 when either is exhausted. */
    public void checkAttempt(String username, String address) {
        long waitUser = admit("user:" + username, perUser);
        if (waitUser > 0) {
            throw limited("for this username", waitUser);
        }
        long waitAddress = admit("addr:" + address, perAddress);
        if (waitAddress > 0) {
            throw limited("from this address", waitAddress);
        }
    }

    private long admit(String key, int limit) {
        long now = clock.millis();
        Object result = redis.client().eval(SCRIPT, List.of(PREFIX + key),
                List.of(Long.toString(now), Long.toString(windowMillis), Integer.toString(limit), UUID.randomUUID().toString()));
        return ((Number) result).longValue();
    }

    private static LimitReached limited(String which, long waitMillis) {
        long retryAfter = Math.max(1, (waitMillis + 999) / 1000);
        return new LimitReached("Too many login attempts",
                "too many login attempts " + which + "; retry in " + retryAfter + " s", Duration.ofSeconds(retryAfter));
    }
}
