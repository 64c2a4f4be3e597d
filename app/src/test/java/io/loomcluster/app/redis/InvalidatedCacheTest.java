package io.loomcluster.app.redis;

import io.loomcluster.app.sessions.Session;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class InvalidatedCacheTest {
    private static final Session ALICE = new Session("a".repeat(43), 1, "alice");
    private static final long FAR = Long.MAX_VALUE / 2;

    @Test
    void servesNothingUntilEnabledAndNothingAfterDisabled() {
        InvalidatedCache<String, Session> cache = new InvalidatedCache<String, Session>(10);
        cache.put(ALICE.id(), ALICE, FAR, cache.mark());
        assertThat(cache.get(ALICE.id(), 0)).isNull();

        cache.enable();
        cache.put(ALICE.id(), ALICE, FAR, cache.mark());
        assertThat(cache.get(ALICE.id(), 0)).isEqualTo(ALICE);

        cache.disable();
        assertThat(cache.get(ALICE.id(), 0)).isNull();
        cache.enable();
        assertThat(cache.get(ALICE.id(), 0)).as("re-enabled empty").isNull();
    }

    @Test
    void anEntryIsNotTrustedFromItsRecheckTimeOn() {
        InvalidatedCache<String, Session> cache = new InvalidatedCache<String, Session>(10);
        cache.enable();
        cache.put(ALICE.id(), ALICE, 1_000, cache.mark());

        assertThat(cache.get(ALICE.id(), 999)).isEqualTo(ALICE);
        assertThat(cache.get(ALICE.id(), 1_000)).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aLookupThatAnInvalidationOvertookIsNotCached() {
        InvalidatedCache<String, Session> cache = new InvalidatedCache<String, Session>(10);
        cache.enable();
        long mark = cache.mark();

        cache.invalidate(ALICE.id());
        cache.put(ALICE.id(), ALICE, FAR, mark);

        assertThat(cache.get(ALICE.id(), 0)).isNull();
    }

    @Test
    void staysWithinItsBound() {
        InvalidatedCache<String, Session> cache = new InvalidatedCache<String, Session>(100);
        cache.enable();
        for (int i = 0; i < 1_000; i++) {
            cache.put("s" + i, ALICE, FAR, cache.mark());
        }
        assertThat(cache.size()).isLessThanOrEqualTo(100);
    }

    /**
     * Lookups keep reading "Redis" (a flag) and caching what they found while another thread
     * deletes the session (clears the flag) and invalidates it: from the invalidation on, the cache
     * must never answer the session again, whatever the interleaving.
     */
    @Test
    void onceInvalidatedASessionIsNeverServedAgainWhileLookupsRace() throws Exception {
        for (int round = 0; round < 200; round++) {
            InvalidatedCache<String, Session> cache = new InvalidatedCache<String, Session>(10);
            cache.enable();
            AtomicBoolean inRedis = new AtomicBoolean(true);
            AtomicBoolean invalidated = new AtomicBoolean(false);
            AtomicBoolean stop = new AtomicBoolean(false);
            AtomicInteger staleAnswers = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(3);
            List<Thread> lookups = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                lookups.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    while (!stop.get()) {
                        boolean afterInvalidation = invalidated.get();
                        Session hit = cache.get(ALICE.id(), 0);
                        if (hit != null && afterInvalidation) {
                            staleAnswers.incrementAndGet();
                        }
                        if (hit == null) {
                            long mark = cache.mark();
                            if (inRedis.get()) {
                                cache.put(ALICE.id(), ALICE, FAR, mark);
                            }
                        }
                    }
                }));
            }
            started.await();
            inRedis.set(false);
            cache.invalidate(ALICE.id());
            invalidated.set(true);
            for (int i = 0; i < 1_000; i++) {
                assertThat(cache.get(ALICE.id(), 0)).as("round %d", round).isNull();
            }
            stop.set(true);
            for (Thread thread : lookups) {
                thread.join();
            }
            assertThat(staleAnswers.get()).as("round %d", round).isZero();
        }
    }
}
