package io.loomcluster.app.webhooks;

import io.loomcluster.testing.Race;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** At most N holders per key, and an entry only while a key is held: no growth with distinct keys. */
class PerKeyLimitTest {
    @Test
    void aKeyAtItsBoundRefusesUntilAHolderReleases() {
        PerKeyLimit limit = new PerKeyLimit(2);

        assertThat(limit.tryAcquire(1)).isTrue();
        assertThat(limit.tryAcquire(1)).isTrue();
        assertThat(limit.tryAcquire(1)).isFalse();
        assertThat(limit.tryAcquire(2)).isTrue();
        limit.release(1);
        assertThat(limit.tryAcquire(1)).isTrue();
    }

    @Test
    void distinctKeysLeaveNoEntryOnceReleased() {
        PerKeyLimit limit = new PerKeyLimit(4);
        for (long key = 0; key < 100_000; key++) {
            assertThat(limit.tryAcquire(key)).isTrue();
            limit.release(key);
        }
        assertThat(limit.keys()).isZero();
    }

    @RepeatedTest(5)
    void racingHoldersNeverExceedTheBoundAndLeaveNothingBehind() throws Exception {
        int bound = 3;
        PerKeyLimit limit = new PerKeyLimit(bound);
        ConcurrentHashMap<Long, AtomicInteger> holding = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

        Race.run(8, thread -> {
            for (int i = 0; i < 20_000; i++) {
                long key = i % 5; // a few hot keys, so holders contend
                if (limit.tryAcquire(key)) {
                    int now = holding.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    if (now > bound) {
                        errors.add(now + " holders of key " + key);
                    }
                    holding.get(key).decrementAndGet();
                    limit.release(key);
                }
            }
        });

        assertThat(errors).isEmpty();
        assertThat(limit.keys()).isZero();
    }
}
