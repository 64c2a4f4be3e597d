package io.loomcluster.lb.limits;

import io.loomcluster.testing.Race;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ClientConnectionCounterTest {

    @Test
    void anAddressMayHoldUpToTheLimitAndAnotherAddressIsCountedApart() {
        ClientConnectionCounter counter = new ClientConnectionCounter(2);
        assertThat(counter.tryOpen("a")).isTrue();
        assertThat(counter.tryOpen("a")).isTrue();
        assertThat(counter.tryOpen("a")).isFalse();
        assertThat(counter.tryOpen("b")).isTrue();
        assertThat(counter.refused()).isEqualTo(1);

        counter.closed("a");
        assertThat(counter.tryOpen("a")).isTrue();
    }

    @Test
    void anAddressIsForgottenWithItsLastConnection() {
        ClientConnectionCounter counter = new ClientConnectionCounter(3);
        counter.tryOpen("a");
        counter.tryOpen("a");
        counter.closed("a");
        counter.closed("a");
        assertThat(counter.addresses()).isZero();
        assertThat(counter.open("a")).isZero();
    }

    @Test
    void racingOpensNeverAdmitMoreThanTheLimitAndEveryCloseIsCounted() throws InterruptedException {
        ClientConnectionCounter counter = new ClientConnectionCounter(5);
        AtomicInteger admitted = new AtomicInteger();
        Race.run(8, t -> {
            for (int i = 0; i < 10_000; i++) {
                if (counter.tryOpen("a")) {
                    int open = counter.open("a");
                    if (open > 5) {
                        admitted.set(Integer.MIN_VALUE);
                    }
                    admitted.incrementAndGet();
                    counter.closed("a");
                }
            }
        });
        assertThat(admitted.get()).isPositive();
        assertThat(counter.open("a")).isZero();
        assertThat(counter.addresses()).isZero();
    }
}
