package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;
import org.junit.jupiter.api.RepeatedTest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import static io.loomcluster.app.realtime.InMemoryMessages.ROOM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscribers join (with cursors behind the feed), fall behind (small queues, slow readers) and leave
 * while posts keep arriving and the feed hands out small pages. Whatever the interleaving, each one
 * must see exactly the ids after its cursor, in order: no gap, no duplicate. A subscriber that joined
 * in the middle of a page being handed out used to get that page's later messages without the
 * earlier ones (fixed by handing each page to a fixed set of subscribers).
 */
class RoomFeedRaceTest {
    private static final int MESSAGES = 400;
    private static final int SUBSCRIBERS = 24;
    private static final int PAGE = 4;
    private static final long WAIT_MILLIS = 10_000;

    private record Seen(String who, long after, List<Long> ids, boolean stayed) {
    }

    @RepeatedTest(20)
    void everySubscriberSeesTheIdsAfterItsCursorInOrderWithoutGapsOrDuplicates() throws Exception {
        Signals signals = new Signals();
        // A read takes a little while, as a database's does: subscribers join while pages are out.
        InMemoryMessages messages = new InMemoryMessages(signals, 100_000);
        Feed<Message> feed = new Feed<>(ROOM, messages, Message::id, signals, n -> { }, PAGE, 60_000);
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try {
            // One subscriber from the start keeps the feed reading while the others come and go.
            Subscriber<Message> anchor = new Subscriber<>(ROOM, 0, Subscriber.Kind.SSE, 0, 16, Long.MAX_VALUE, () -> { });
            feed.add(anchor);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < SUBSCRIBERS; s++) {
                int index = s;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        seen.add(subscribe(feed, messages, index));
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (int i = 0; i < MESSAGES; i++) {
                messages.post();
                if (i % 8 == 0) {
                    // Posts come in bursts, as they do: sometimes a page's worth before the feed reads.
                    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(50_000, 300_000));
                }
            }
            seen.add(new Seen("anchor", 0, read(anchor, MESSAGES, false), true));
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            feed.stop();
        }

        assertThat(errors).isEmpty();
        assertThat(seen).hasSize(SUBSCRIBERS + 1);
        for (Seen s : seen) {
            List<Long> expected = new ArrayList<>();
            for (long id = s.after() + 1; id <= s.after() + s.ids().size(); id++) {
                expected.add(id);
            }
            assertThat(s.ids()).as("%s (after %d): ids in order, without gaps or duplicates", s.who(), s.after())
                    .isEqualTo(expected);
            if (s.stayed()) {
                assertThat(s.ids()).as("%s stayed to the end: everything after its cursor", s.who())
                        .hasSize((int) (MESSAGES - s.after()));
            }
        }
    }

    // Joins at a random moment with a cursor somewhere behind the newest message; half read slowly
    // (their 4-message queue fills and they are skipped), half leave after a while.
    private static Seen subscribe(Feed<Message> feed, InMemoryMessages messages, int index) throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        LockSupport.parkNanos(random.nextLong(0, 20_000_000));
        long head = messages.head();
        long after = head == 0 ? 0 : random.nextLong(0, head + 1);
        boolean slow = index % 2 == 0;
        boolean leaves = index % 4 < 2;
        Subscriber<Message> subscriber = new Subscriber<>(ROOM, index + 1, Subscriber.Kind.WEBSOCKET, after, slow ? 4 : 64,
                Long.MAX_VALUE, () -> { });
        feed.add(subscriber);
        int wanted = leaves ? random.nextInt(1, Math.max(2, (int) (MESSAGES - after))) : (int) (MESSAGES - after);
        List<Long> ids = read(subscriber, wanted, slow);
        if (leaves) {
            feed.remove(subscriber);
        }
        return new Seen("subscriber " + index + (slow ? " (slow)" : "") + (leaves ? " (leaves)" : ""), after, ids, !leaves);
    }

    private static List<Long> read(Subscriber<Message> subscriber, int count, boolean slow) throws InterruptedException {
        List<Long> ids = new ArrayList<>();
        while (ids.size() < count) {
            Message next = subscriber.next(WAIT_MILLIS);
            if (next == null) {
                // Nothing more came: what did come is checked for gaps by the caller.
                return ids;
            }
            ids.add(next.id());
            if (slow && ThreadLocalRandom.current().nextInt(8) == 0) {
                // A consumer that stops reading for a moment: its queue fills and the feed skips it.
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(100_000, 2_000_000));
            }
        }
        return ids;
    }
}
