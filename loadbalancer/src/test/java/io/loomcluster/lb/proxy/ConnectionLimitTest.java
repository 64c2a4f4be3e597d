package io.loomcluster.lb.proxy;

import io.loomcluster.testing.Race;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The cap on client connections, with an embedded channel standing in for the listener. */
class ConnectionLimitTest {

    @Test
    void atTheCapAcceptingStopsAndEachClosedConnectionLetsOneWaitingIn() {
        ConnectionLimit limit = new ConnectionLimit(2);
        EmbeddedChannel listener = new EmbeddedChannel(limit);
        limit.listeners(List.of(listener));
        List<Channel> accepted = List.of(new EmbeddedChannel(), new EmbeddedChannel(), new EmbeddedChannel(),
                new EmbeddedChannel());

        accepted.forEach(listener::writeInbound);

        assertThat(admitted(listener)).containsExactly(accepted.get(0), accepted.get(1));
        assertThat(listener.config().isAutoRead()).isFalse();

        limit.released();
        listener.runPendingTasks();
        assertThat(admitted(listener)).containsExactly(accepted.get(2));
        assertThat(listener.config().isAutoRead()).isFalse();

        limit.released();
        limit.released();
        listener.runPendingTasks();
        assertThat(admitted(listener)).containsExactly(accepted.get(3));
        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void releasesFromManyThreadsAtOnceAreAllCounted() throws Exception {
        int max = 1000;
        ConnectionLimit limit = new ConnectionLimit(max);
        EmbeddedChannel listener = new EmbeddedChannel(limit);
        limit.listeners(List.of(listener));
        for (int i = 0; i < max; i++) {
            listener.writeInbound(new EmbeddedChannel());
        }
        assertThat(admitted(listener)).hasSize(max);
        assertThat(listener.config().isAutoRead()).isFalse();

        // Connections close on every event loop at once; the count they share must lose none.
        Race.run(8, t -> {
            for (int i = 0; i < 100; i++) {
                limit.releasedCount();
            }
        });
        assertThat(limit.open()).isEqualTo(max - 800);
    }

    private static List<Object> admitted(EmbeddedChannel listener) {
        List<Object> out = new ArrayList<>();
        for (Object o; (o = listener.readInbound()) != null; ) {
            out.add(o);
        }
        return out;
    }
}
