package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class PauseTest {

    @Test
    void anInterruptedSleepSaysSoAndLeavesTheInterruptForTheCaller() {
        Thread.currentThread().interrupt();
        boolean slept = Pause.sleep(Duration.ofMinutes(1));
        assertThat(slept).isFalse();
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void aSleepThatRanItsCourseSaysSo() {
        assertThat(Pause.sleep(Duration.ofMillis(1))).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void backOffDoublesUpToItsCap() {
        assertThat(Pause.doubled(Duration.ofMillis(100), Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(200));
        assertThat(Pause.doubled(Duration.ofMillis(1500), Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
        assertThat(Pause.doubled(Duration.ofSeconds(2), Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
    }
}
