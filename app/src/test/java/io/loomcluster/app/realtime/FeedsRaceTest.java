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
 * Subscribers of one key join (evicting the oldest past a per-key bound) and leave from many threads
 * at once: open subscribers never exceed the bound, every join succeeds, the evicted are told why,
 * and once all have left the next subscriber gets a working feed (no stopped feed is left behind).
 */
class FeedsRaceTest {
    private static final int THREADS = 24;
    private static final int ROUNDS = 200;
    private static final int BOUND = 4;

    @RepeatedTest(10)
    void joinsEvictTheOldestSoOpenSubscribersNeverExceedTheBoundAndNoStoppedFeedIsLeftBehind() throws Exception {
        Signals signals = new Signals();
        InMemoryMessages messages = new InMemoryMessages(signals, 0);
        Feeds<Message> feeds = new Feeds<>(messages, Message::id, signals, n -> { }, 60_000);
        AtomicInteger evicted = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < ROUNDS; i++) {
                    Subscriber<Message> s = new Subscriber<>(ROOM, 1, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
                    feeds.joinEvictingOldest(s, BOUND, "evicted");
                    int open = feeds.open(ROOM);
                    if (open > BOUND) {
                        errors.add(open + " open subscribers under a bound of " + BOUND);
                    }
                    Thread.yield();
                    if (s.isClosed()) {
                        evicted.incrementAndGet();
                        if (!"evicted".equals(s.closeReason())) {
                            errors.add("closed for " + s.closeReason());
                        }
                    }
                    feeds.leave(s);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(errors).isEmpty();
        assertThat(evicted.get()).isLessThan(THREADS * ROUNDS);
        assertThat(feeds.subscribers(ROOM)).isEmpty();
        long id = messages.post();
        Subscriber<Message> late = new Subscriber<>(ROOM, 2, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
        feeds.joinEvictingOldest(late, BOUND, "evicted");
        assertThat(late.isClosed()).isFalse();
        try {
            Message first = late.next(10_000);
            assertThat(first).isNotNull();
            assertThat(first.id()).isEqualTo(id);
        } finally {
            feeds.leave(late);
        }
    }
}
