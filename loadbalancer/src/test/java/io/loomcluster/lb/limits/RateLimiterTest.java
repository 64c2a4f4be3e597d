package io.loomcluster.lb.limits;

import io.loomcluster.testing.Race;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);

    private RateLimiter limiter(double perSecond, int burst, int clients) {
        return new RateLimiter(perSecond, burst, clients, now::get);
    }

    @Test
    void aClientGetsItsBurstThenWaitsForTheRefill() {
        RateLimiter limiter = limiter(2, 3, 100);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("10.0.0.1")).isZero();
        }
        assertThat(limiter.acquire("10.0.0.1")).isEqualTo(1);
        now.addAndGet(SECOND / 2);
        assertThat(limiter.acquire("10.0.0.1")).isZero();
        assertThat(limiter.acquire("10.0.0.1")).isEqualTo(1);
        assertThat(limiter.limited()).isEqualTo(2);
    }

    @Test
    void retryAfterIsTheWholeSecondsUntilTheNextToken() {
        RateLimiter limiter = limiter(1.0 / 60, 1, 100);
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isEqualTo(60);
        now.addAndGet(30 * SECOND);
        assertThat(limiter.acquire("a")).isEqualTo(30);
    }

    @Test
    void eachAddressHasItsOwnBucket() {
        RateLimiter limiter = limiter(1, 1, 100);
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isPositive();
        assertThat(limiter.acquire("b")).isZero();
    }

    @Test
    void sweepingForgetsOnlyClientsWhoseBucketIsFullAgain() {
        RateLimiter limiter = limiter(1, 2, 100);
        limiter.acquire("quiet");
        limiter.acquire("busy");
        now.addAndGet(SECOND);
        limiter.acquire("busy");
        limiter.acquire("busy");
        limiter.sweep();
        assertThat(limiter.tracked()).isEqualTo(1);
        assertThat(limiter.acquire("busy")).isPositive();
    }

    @Test
    void atTheBoundAFurtherNewAddressSharesAnOverflowBucketInsteadOfPassingUnlimited() {
        RateLimiter limiter = limiter(1, 1, 2);
        limiter.acquire("a");
        limiter.acquire("b");
        assertThat(limiter.acquire("c")).isZero();
        assertThat(limiter.acquire("c")).as("the table is full, yet c is limited").isPositive();
        assertThat(limiter.untracked()).isEqualTo(2);
        assertThat(limiter.tracked()).isEqualTo(2);

        now.addAndGet(SECOND);
        // a and b refilled and are forgotten at the bound: c gets a bucket of its own.
        assertThat(limiter.acquire("c")).isZero();
        assertThat(limiter.acquire("c")).isPositive();
        assertThat(limiter.tracked()).isEqualTo(1);
    }

    @Test
    void aCrowdOfMoreAddressesThanTheBoundCannotPassUnlimited() {
        RateLimiter limiter = limiter(1e-6, 1, 16);
        int passed = 0;
        for (int i = 0; i < 100_000; i++) {
            if (limiter.acquire("crowd-" + i) == 0) {
                passed++;
            }
        }
        assertThat(passed).isLessThanOrEqualTo(16 + RateLimiter.OVERFLOW_BUCKETS);
    }

    @Test
    void concurrentRequestsFromOneAddressNeverGetMoreThanTheBurst() throws InterruptedException {
        RateLimiter limiter = limiter(1e-6, 1000, 100);
        AtomicInteger passed = new AtomicInteger();
        Race.run(8, t -> {
            for (int i = 0; i < 1000; i++) {
                if (limiter.acquire("same") == 0) {
                    passed.incrementAndGet();
                }
                limiter.acquire("other-" + (i % 50));
            }
        });
        assertThat(passed.get()).isEqualTo(1000);
        assertThat(limiter.limited()).isEqualTo(7000);
    }
}
