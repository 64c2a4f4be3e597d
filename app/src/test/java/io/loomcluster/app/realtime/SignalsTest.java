package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.Race;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Signals keeps an entry only for keys a feed waits on: the map does not grow with distinct keys. */
class SignalsTest {
    @Test
    void feedsThatStoppedLeaveNoEntryBehindHoweverManyKeysWereWatched() throws Exception {
        Signals signals = new Signals();
        InMemoryMessages messages = new InMemoryMessages(signals, 0);
        Feeds<Message> feeds = new Feeds<>(messages, Message::id, signals, n -> { }, 60_000);

        Race.run(8, thread -> {
            for (int i = 0; i < 500; i++) {
                long key = thread * 1_000_000L + i;
                Subscriber<Message> s = new Subscriber<>(key, 1, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
                feeds.join(s);
                feeds.leave(s);
            }
        });

        // Feeds stop on their own virtual threads; each takes its entry away as it ends.
        Await.until("every stopped feed released its signal", Duration.ofSeconds(10), () -> signals.keys() == 0);
    }

    @Test
    void releasingAKeyWakesAnyoneStillHoldingItsSignalSoNoWakeUpIsLost() {
        Signals signals = new Signals();
        CompletableFuture<Void> stopping = signals.next(7);
        CompletableFuture<Void> starting = signals.next(7); // a new feed for the same key, sharing the future

        signals.release(7, stopping);

        assertThat(starting).isDone(); // a spurious wake-up: the new feed reads again and takes a fresh signal
        assertThat(signals.keys()).isZero();
        assertThat(signals.next(7)).isNotDone();
    }
}
