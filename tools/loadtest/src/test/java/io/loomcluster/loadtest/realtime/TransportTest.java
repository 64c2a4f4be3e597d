package io.loomcluster.loadtest.realtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransportTest {

    @Test
    void mixTakesEachTransportInTurn() {
        assertThat(Transport.parse("mix")).isEqualTo(Transport.MIX);
        assertThat(Transport.MIX.of(0)).isEqualTo(Transport.WS);
        assertThat(Transport.MIX.of(1)).isEqualTo(Transport.SSE);
        assertThat(Transport.MIX.of(2)).isEqualTo(Transport.LONGPOLL);
        assertThat(Transport.MIX.of(3)).isEqualTo(Transport.WS);
    }

    @Test
    void aSingleTransportIsItselfForEverySubscriber() {
        assertThat(Transport.SSE.of(0)).isEqualTo(Transport.SSE);
        assertThat(Transport.SSE.of(7)).isEqualTo(Transport.SSE);
    }

    @Test
    void mixHasNoChannelOfItsOwn() {
        assertThatThrownBy(() -> Transport.MIX.subscriber(null, null, null, 1, 0, 0,
                new Deliveries("run1", new io.loomcluster.loadtest.metrics.Metrics(), 1), null, null))
                .isInstanceOf(IllegalStateException.class);
    }
}
