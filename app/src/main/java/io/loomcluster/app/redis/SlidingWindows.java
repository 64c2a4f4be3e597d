package io.loomcluster.app.redis;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * Sliding-window counters in Redis, shared by every instance: each key is a sorted set of the
 * times of the attempts it admitted, holding at most its limit, so a client cannot make it grow.
 * An admitted attempt can be taken back ({@link #forget}), so that a key counts only failures.
 */
public final class SlidingWindows {
    /** One attempt: admitted (then {@link #forget} can take it back), or refused for {@code waitMillis}. */
    public record Attempt(String key, String member, long waitMillis) {
        public boolean admitted() {
            return waitMillis == 0;
        }
    }

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
    private final Clock clock;

    public SlidingWindows(Redis redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    /** Counts one attempt under {@code key} when fewer than {@code limit} were admitted within the window. */
    public Attempt admit(String key, int limit, long windowMillis) {
        String member = UUID.randomUUID().toString();
        Object result = redis.client().eval(SCRIPT, List.of(key), List.of(Long.toString(clock.millis()),
                Long.toString(Math.max(1, windowMillis)), Integer.toString(limit), member));
        return new Attempt(key, member, ((Number) result).longValue());
    }

    /** Takes an admitted attempt back: it no longer counts against its key. */
    public void forget(Attempt attempt) {
        if (attempt.admitted()) {
            redis.client().zrem(attempt.key(), attempt.member());
        }
    }
}
