package io.loomcluster.app.realtime;

import io.loomcluster.testing.Race;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

class UserStreamsTest {
    @Test
    void aStreamBeyondTheBoundClosesTheUsersOldestOnly() {
        UserStreams<String> streams = new UserStreams<>(2, "replaced");
        Subscriber<String> first = subscriber(1, 1);
        Subscriber<String> second = subscriber(2, 1);
        Subscriber<String> neighbour = subscriber(1, 2);
        streams.add(first);
        streams.add(second);
        streams.add(neighbour);

        Subscriber<String> third = subscriber(3, 1);
        streams.add(third);

        assertThat(first.closeReason()).isEqualTo("replaced");
        assertThat(second.isClosed()).isFalse();
        assertThat(third.isClosed()).isFalse();
        assertThat(neighbour.isClosed()).isFalse();
    }

    @RepeatedTest(5)
    void racingAddsAndRemovesNeverLeaveMoreThanTheBoundOpenAndNoEntryBehind() throws Exception {
        int bound = 3;
        UserStreams<String> streams = new UserStreams<>(bound, "replaced");
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<List<Subscriber<String>>> held = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            held.add(new ArrayList<>());
        }

        Race.run(8, thread -> {
            for (int i = 0; i < 2_000; i++) {
                Subscriber<String> s = subscriber(i, thread % 2); // two users, four threads each
                streams.add(s);
                held.get(thread).add(s);
                if (held.get(thread).size() > 2) {
                    streams.remove(held.get(thread).removeFirst());
                }
            }
        });

        for (long user = 0; user < 2; user++) {
            long u = user;
            long open = held.stream().flatMap(List::stream).filter(s -> s.userId() == u && !s.isClosed()).count();
            if (open > bound) {
                errors.add(open + " open streams of user " + u);
            }
        }
        assertThat(errors).isEmpty();
        held.forEach(list -> list.forEach(streams::remove));
        assertThat(streams.users()).isZero();
    }

    private static Subscriber<String> subscriber(long room, long user) {
        return new Subscriber<>(room, user, Subscriber.Kind.SSE, 0, 8, Long.MAX_VALUE, () -> { });
    }
}
