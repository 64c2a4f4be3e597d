package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;
import io.loomcluster.testing.Race;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SessionStreamsTest {
    private final SessionStreams streams = new SessionStreams(Duration.ofMinutes(1));

    private static Subscriber<Message> of(String session) {
        return new Subscriber<>(1, 1, session, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
    }

    @Test
    void aLoggedOutSessionEndsItsOwnStreamsOnly() {
        Subscriber<Message> mine = of("s1");
        Subscriber<Message> alsoMine = of("s1");
        Subscriber<Message> other = of("s2");
        List.of(mine, alsoMine, other).forEach(streams::add);

        streams.loggedOut("s1");

        assertThat(mine.isClosed()).isTrue();
        assertThat(mine.sessionEnded()).isTrue();
        assertThat(mine.closeReason()).isEqualTo(SessionStreams.LOGGED_OUT);
        assertThat(alsoMine.isClosed()).isTrue();
        assertThat(other.isClosed()).isFalse();
    }

    @Test
    void aSweepEndsTheStreamsOfSessionsThatAreGone() {
        Subscriber<Message> expired = of("gone");
        Subscriber<Message> live = of("here");
        streams.add(expired);
        streams.add(live);

        streams.sweep(Set.of("here")::contains);

        assertThat(expired.closeReason()).isEqualTo(SessionStreams.EXPIRED);
        assertThat(live.isClosed()).isFalse();
    }

    @Test
    void aSweepThatCannotReachRedisKeepsTheStreams() {
        Subscriber<Message> stream = of("s");
        streams.add(stream);

        streams.sweep(id -> {
            throw new IllegalStateException("Redis is away");
        });

        assertThat(stream.isClosed()).isFalse();
    }

    @RepeatedTest(5)
    void subscribersAddedAndRemovedFromManyThreadsLeaveNothingBehindAndNoneIsMissedByALogout() throws Exception {
        int threads = 16;
        int rounds = 500;
        List<List<Subscriber<Message>>> kept = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            kept.add(new ArrayList<>());
        }

        Race.run(threads, t -> {
            for (int i = 0; i < rounds; i++) {
                // A few sessions shared by every thread: adds and removes of one session collide.
                Subscriber<Message> s = of("session-" + (i % 4));
                streams.add(s);
                if (i % 10 == 0) {
                    kept.get(t).add(s);
                } else {
                    streams.remove(s);
                }
            }
        });

        for (int session = 0; session < 4; session++) {
            streams.loggedOut("session-" + session);
        }
        kept.forEach(list -> list.forEach(s -> assertThat(s.isClosed()).isTrue()));
        kept.forEach(list -> list.forEach(streams::remove));
        assertThat(streams.sessions()).isZero();
    }
}
