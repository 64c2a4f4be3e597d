package io.loomcluster.app.messages;

import io.loomcluster.app.config.AppConfig.MessageRateLimit;
import io.loomcluster.app.errors.DomainException.LimitReached;
import io.loomcluster.app.redis.Redis;

import java.time.Duration;
import java.util.List;

/**
 * Posts per user, shared by every instance: a token bucket in Redis ({@code MESSAGE_RATE_LIMIT} per
 * {@code MESSAGE_RATE_WINDOW}, up to {@code MESSAGE_RATE_BURST} at once), generous for a person typing
 * and a bound for a script. One small hash per user that posted within the last refill, expiring by
 * itself; Redis's clock, so instances' clocks need not agree.
 */
public final class PostRateLimiter implements WriteLimiter {
    private static final String PREFIX = "loom:ratelimit:post:";
    // KEYS[1] the bucket; ARGV: tokens per millisecond, burst. Returns 0 when admitted, else the
    // milliseconds until a token is there.
    private static final String SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
            local tokens = tonumber(bucket[1]) or burst
            local at = tonumber(bucket[2]) or now
            tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
            if tokens < 1 then
              return math.max(1, math.ceil((1 - tokens) / rate))
            end
            redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
            redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
            return 0
            """;

    private final Redis redis;
    private final MessageRateLimit limit;
    private final String perMillisecond;

    public PostRateLimiter(Redis redis, MessageRateLimit limit) {
        this.redis = redis;
        this.limit = limit;
        this.perMillisecond = Double.toString((double) limit.limit() / Math.max(1, limit.window().toMillis()));
    }

    @Override
    public void admit(long userId) {
        Object result = redis.client().eval(SCRIPT, List.of(PREFIX + userId),
                List.of(perMillisecond, Integer.toString(limit.burst())));
        long waitMillis = ((Number) result).longValue();
        if (waitMillis > 0) {
            long retryAfter = Math.max(1, (waitMillis + 999) / 1000);
            throw new LimitReached("Too many posts", "at most " + limit.limit() + " posts per " + words(limit.window())
                    + " per user (bursts of " + limit.burst() + "); retry in " + retryAfter + " s",
                    Duration.ofSeconds(retryAfter));
        }
    }

    private static String words(Duration window) {
        return window.equals(Duration.ofSeconds(1)) ? "second" : window.toString().substring(2).toLowerCase();
    }
}
