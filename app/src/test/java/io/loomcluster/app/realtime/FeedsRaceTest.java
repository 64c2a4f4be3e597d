package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;
import org.junit.jupiter.api.RepeatedTest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static io.loomcluster.app.realtime.InMemoryMessages.ROOM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscribers of one key join and leave from many threads at once against a per-key bound: the
 * bound is never exceeded, every refusal happened at the bound, and once all have left the next
 * subscriber gets a working feed (none stopped feed is left behind for it).
 */
class FeedsRaceTest {
    private static final int THREADS = 24;
    private static final int ROUNDS = 200;
    private static final int BOUND = 4;

    @RepeatedTest(10)
    void joinsAndLeavesNeverExceedTheBoundAndLeaveNoStoppedFeedBehind() throws Exception {
        Signals signals = new Signals();
        InMemoryMessages messages = new InMemoryMessages(signals, 0);
        Feeds<Message> feeds = new Feeds<>(messages, Message::id, signals, n -> { }, 60_000);
        AtomicInteger joined = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < ROUNDS; i++) {
                    Subscriber<Message> s = new Subscriber<>(ROOM, 1, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
                    if (feeds.join(s, BOUND)) {
                        joined.incrementAndGet();
                        int size = feeds.subscribers(ROOM).size();
                        if (size > BOUND) {
                            errors.add(size + " subscribers under a bound of " + BOUND);
                        }
                        Thread.yield();
                        feeds.leave(s);
                    } else {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(errors).isEmpty();
        assertThat(joined.get() + refused.get()).isEqualTo(THREADS * ROUNDS);
        assertThat(joined.get()).isPositive();
        assertThat(feeds.subscribers(ROOM)).isEmpty();
        long id = messages.post();
        Subscriber<Message> late = new Subscriber<>(ROOM, 2, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
        assertThat(feeds.join(late, BOUND)).isTrue();
        try {
            Message first = late.next(10_000);
            assertThat(first).isNotNull();
            assertThat(first.id()).isEqualTo(id);
        } finally {
            feeds.leave(late);
        }
    }
}
