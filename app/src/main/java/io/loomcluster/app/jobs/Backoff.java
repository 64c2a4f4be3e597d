package io.loomcluster.app.jobs;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential back-off with jitter: attempt n waits a random time between half and all of
 * {@code base * 2^(n-1)}, capped at {@code max}, so that jobs failing together do not retry together.
 */
public record Backoff(Duration base, Duration max) {
    public Duration delayAfter(int failedAttempt) {
        long ceiling = base.toMillis() << Math.min(Math.max(failedAttempt - 1, 0), 30);
        ceiling = Math.min(Math.max(ceiling, 1), max.toMillis());
        long half = ceiling / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }
}
