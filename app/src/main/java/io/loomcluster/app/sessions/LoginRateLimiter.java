package io.loomcluster.app.sessions;

import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.redis.Redis;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Fixed-window counters in Redis, shared by every instance: at most N login attempts per
 * username and M per client address per window. Over the limit: 429 with Retry-After.
 */
public final class LoginRateLimiter {
    private static final String PREFIX = "loom:ratelimit:login:";

    private final Redis redis;
    private final int perUser;
    private final int perAddress;
    private final long windowSeconds;
    private final Clock clock;

    public LoginRateLimiter(Redis redis, int perUser, int perAddress, Duration window, Clock clock) {
        this.redis = redis;
        this.perUser = perUser;
        this.perAddress = perAddress;
        this.windowSeconds = Math.max(1, window.toSeconds());
        this.clock = clock;
    }

    /** Counts one attempt for both keys; throws 429 when either is over its limit. */
    public void checkAttempt(String username, String address) {
        long now = clock.millis() / 1000;
        long window = now / windowSeconds;
        String userKey = PREFIX + "user:" + username + ":" + window;
        String addressKey = PREFIX + "addr:" + address + ":" + window;
        long userCount;
        long addressCount;
        try (AbstractPipeline pipeline = redis.client().pipelined()) {
            Response<Long> user = pipeline.incr(userKey);
            pipeline.expire(userKey, windowSeconds + 1);
            Response<Long> addr = pipeline.incr(addressKey);
            pipeline.expire(addressKey, windowSeconds + 1);
            pipeline.sync();
            userCount = user.get();
            addressCount = addr.get();
        }
        if (userCount > perUser || addressCount > perAddress) {
            long retryAfter = Math.max(1, (window + 1) * windowSeconds - now);
            String which = userCount > perUser ? "for this username" : "from this address";
            throw new ApiException(429, "Too many login attempts",
                    "too many login attempts " + which + "; retry in " + retryAfter + " s",
                    Map.of("Retry-After", Long.toString(retryAfter)));
        }
    }
}
