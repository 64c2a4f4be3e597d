package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;
import io.loomcluster.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static io.loomcluster.app.realtime.InMemoryMessages.ROOM;
import static org.assertj.core.api.Assertions.assertThat;

class RoomFeedTest {
    private static final long WAIT_MILLIS = 10_000;

    private final RoomSignals signals = new RoomSignals();
    private final InMemoryMessages messages = new InMemoryMessages(signals, 0);
    private final AtomicLong fannedOut = new AtomicLong();
    private final List<RoomFeed> feeds = new ArrayList<>();

    private RoomFeed feed(int pageSize) {
        RoomFeed feed = new RoomFeed(ROOM, messages, signals, fannedOut::addAndGet, pageSize, 60_000);
        feeds.add(feed);
        return feed;
    }

    @AfterEach
    void stopFeeds() {
        feeds.forEach(RoomFeed::stop);
    }

    private static Subscriber subscriber(long after, int buffer, long slowTimeoutNanos, Runnable onOverflow) {
        return new Subscriber(ROOM, 1, Subscriber.Kind.SSE, after, buffer, slowTimeoutNanos, onOverflow);
    }

    private static Subscriber subscriber(long after) {
        return subscriber(after, 1000, Long.MAX_VALUE, () -> { });
    }

    private static List<Long> take(Subscriber subscriber, int count) throws InterruptedException {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Message next = subscriber.next(WAIT_MILLIS);
            assertThat(next).as("message %d of %d", i + 1, count).isNotNull();
            ids.add(next.id());
        }
        return ids;
    }

    /** A subscriber from the start of the room that has taken the room's first {@code count} messages. */
    private Subscriber caughtUp(RoomFeed feed, int count) throws InterruptedException {
        Subscriber first = subscriber(0);
        feed.add(first);
        for (int i = 0; i < count; i++) {
            messages.post();
        }
        assertThat(take(first, count)).isEqualTo(range(1, count));
        return first;
    }

    private static List<Long> range(long fromInclusive, long toInclusive) {
        return LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
    }

    @Test
    void aNewSubscriberGetsWhatCameAfterItsCursorThenEachNewMessageInOrder() throws Exception {
        for (int i = 0; i < 5; i++) {
            messages.post();
        }
        RoomFeed feed = feed(RoomFeed.PAGE);
        Subscriber subscriber = subscriber(2);
        feed.add(subscriber);

        assertThat(take(subscriber, 3)).containsExactly(3L, 4L, 5L);
        messages.post();
        messages.post();
        assertThat(take(subscriber, 2)).containsExactly(6L, 7L);
        assertThat(subscriber.next(50)).as("nothing more").isNull();
    }

    @Test
    void aSubscriberThatJoinsBehindTheOthersIsServedFromItsOwnCursor() throws Exception {
        RoomFeed feed = feed(RoomFeed.PAGE);
        caughtUp(feed, 10);

        Subscriber late = subscriber(3);
        feed.add(late);

        assertThat(take(late, 7)).isEqualTo(range(4, 10));
    }

    @Test
    void subscribersJoiningAtTheHeadCostNoReadAndGetTheNextMessage() throws Exception {
        RoomFeed feed = feed(RoomFeed.PAGE);
        Subscriber first = caughtUp(feed, 3);
        // The feed has read up to 3 (it handed 3 out); what it counts after that is settled below.
        Await.until("the feed to count the three messages", Duration.ofMillis(WAIT_MILLIS), () -> fannedOut.get() >= 3);

        // What a re-issued long-poll is: a newcomer whose cursor is the id the feed just handed out.
        List<Subscriber> reissued = new ArrayList<>();
        int readsBefore = messages.reads();
        for (int i = 0; i < 5; i++) {
            long passes = feed.passes();
            Subscriber again = subscriber(3);
            reissued.add(again);
            feed.add(again);
            Await.until("the feed to handle the newcomer's wake-up", Duration.ofMillis(WAIT_MILLIS),
                    () -> feed.passes() > passes);
        }
        assertThat(messages.reads()).as("reads for newcomers at the head").isEqualTo(readsBefore);

        messages.post();
        for (Subscriber s : reissued) {
            assertThat(take(s, 1)).containsExactly(4L);
        }
        assertThat(take(first, 1)).containsExactly(4L);
    }

    @Test
    void moreMessagesThanAPageArriveInOrderAcrossPages() throws Exception {
        for (int i = 0; i < 10; i++) {
            messages.post();
        }
        RoomFeed feed = feed(3);
        Subscriber subscriber = subscriber(0);
        feed.add(subscriber);

        assertThat(take(subscriber, 10)).isEqualTo(range(1, 10));
        // The feed counts a page after offering it, so the last page's count may land after the subscriber read it.
        Await.until("the feed to count ten fanned-out messages", Duration.ofMillis(WAIT_MILLIS),
                () -> fannedOut.get() >= 10);
    }

    @Test
    void aFullSubscriberIsSkippedAndCatchesUpWithoutAGapOnceItReads() throws Exception {
        RoomFeed feed = feed(RoomFeed.PAGE);
        Subscriber slow = subscriber(0, 4, Long.MAX_VALUE, () -> { });
        Subscriber fast = subscriber(0);
        feed.add(slow);
        feed.add(fast);
        for (int i = 0; i < 20; i++) {
            messages.post();
        }

        // The fast one is not held up by the slow one's full queue.
        assertThat(take(fast, 20)).isEqualTo(range(1, 20));
        assertThat(take(slow, 20)).isEqualTo(range(1, 20));
    }

    @Test
    void aSubscriberFullForLongerThanTheSlowConsumerTimeoutIsDropped() throws Exception {
        RoomFeed feed = feed(RoomFeed.PAGE);
        AtomicInteger overflows = new AtomicInteger();
        Subscriber stuck = subscriber(0, 2, 1, overflows::incrementAndGet);
        feed.add(stuck);
        for (int i = 0; i < 3; i++) {
            messages.post();
        }
        // Announcements keep coming: each read finds the queue still full, and past the timeout it is dropped.
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        while (!stuck.isClosed() && System.nanoTime() < deadline) {
            messages.post();
            Thread.sleep(5);
        }

        assertThat(stuck.isClosed()).isTrue();
        assertThat(stuck.closeReason()).startsWith("slow consumer");
        assertThat(overflows.get()).isEqualTo(1);
        assertThat(feed.subscribers()).doesNotContain(stuck);
        // What was queued before the drop is still delivered, then the end.
        assertThat(take(stuck, 2)).containsExactly(1L, 2L);
        assertThat(stuck.next(50)).isNull();
    }

    @Test
    void closingASubscriberWakesItsReader() throws Exception {
        RoomFeed feed = feed(RoomFeed.PAGE);
        Subscriber subscriber = subscriber(0);
        feed.add(subscriber);
        subscriber.close("you left the room");

        assertThat(subscriber.next(WAIT_MILLIS)).isNull();
        assertThat(subscriber.isClosed()).isTrue();
        assertThat(subscriber.closeReason()).isEqualTo("you left the room");
    }
}
