package io.loomcluster.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long to wait before sending an idempotent call again (a read, or a post with an
 * {@code Idempotency-Key}, whose retries reuse the same key): on 502, 503, 504 or no answer, after
 * the server's {@code Retry-After} when it names one (capped by {@code maxWait}), else after a
 * back-off that doubles from {@code firstBackoff} up to {@code maxWait}, with jitter; no new pause
 * starts once {@code budget} has passed since the first attempt. {@link #NONE} sends once.
 */
public record RetryPolicy(Duration budget, Duration firstBackoff, Duration maxWait) {
    public static final RetryPolicy NONE = new RetryPolicy(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /** What docs/guarantees.md asks of clients: up to 30 s of retries, waits of at most 2 s. */
    public static RetryPolicy standard() {
        return new RetryPolicy(Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    /** Whether an answer is worth another attempt of an idempotent call. */
    public static boolean retryable(Reply reply) {
        return !reply.answered() || reply.status() == 502 || reply.status() == 503 || reply.status() == 504;
    }

    /** The pause before attempt {@code attempt + 1} (attempt counts from 1), honouring Retry-After. */
    Duration pause(Reply reply, int attempt) {
        long cap = maxWait.toMillis();
        long wait = reply.retryAfter().map(Duration::toMillis)
                .orElseGet(() -> firstBackoff.toMillis() << Math.min(20, attempt - 1));
        wait = Math.min(wait, cap);
        // Half fixed, half random: clients that failed together do not all come back together.
        return Duration.ofMillis(wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1));
    }
}
