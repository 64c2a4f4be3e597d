package io.loomcluster.loadtest.schedule;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RateScheduleTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void constantRateSpacesArrivalsEvenly() {
        RateSchedule schedule = RateSchedule.constant(200);
        assertThat(schedule.offsetNanos(0)).isZero();
        assertThat(schedule.offsetNanos(1)).isEqualTo(5_000_000L);
        assertThat(schedule.offsetNanos(200)).isEqualTo(SECOND);
        assertThat(schedule.offsetNanos(3000)).isEqualTo(15 * SECOND);
    }

    @Test
    void constantFractionalRate() {
        RateSchedule schedule = RateSchedule.constant(0.5);
        assertThat(schedule.offsetNanos(1)).isEqualTo(2 * SECOND);
        assertThat(schedule.offsetNanos(3)).isEqualTo(6 * SECOND);
    }

    @Test
    void rampUpDueTimesFollowTheIntegralOfTheRate() {
        // 0 -> 100/s over 10 s: N(t) = 5 t^2, so arrival i is due at sqrt(i / 5) seconds.
        RateSchedule schedule = RateSchedule.ramp(0, 100, 10 * SECOND);
        assertThat(schedule.offsetNanos(0)).isZero();
        assertThat(schedule.offsetNanos(5)).isCloseTo(SECOND, within(1000L));
        assertThat(schedule.offsetNanos(20)).isCloseTo(2 * SECOND, within(1000L));
        assertThat(schedule.offsetNanos(500)).isCloseTo(10 * SECOND, within(1000L));
    }

    @Test
    void rampHoldsTheFinalRateAfterTheRamp() {
        RateSchedule schedule = RateSchedule.ramp(10, 30, 10 * SECOND);
        // 200 arrivals during the ramp ((10 + 30) / 2 * 10 s), then one every 1/30 s.
        assertThat(schedule.offsetNanos(200)).isCloseTo(10 * SECOND, within(1000L));
        assertThat(schedule.offsetNanos(230)).isCloseTo(11 * SECOND, within(1000L));
        assertThat(schedule.rateAt(5)).isEqualTo(20.0);
        assertThat(schedule.rateAt(60)).isEqualTo(30.0);
    }

    @Test
    void rampDownSlowsArrivals() {
        RateSchedule schedule = RateSchedule.ramp(100, 10, 10 * SECOND);
        long firstGap = schedule.offsetNanos(1) - schedule.offsetNanos(0);
        long lateGap = schedule.offsetNanos(540) - schedule.offsetNanos(539);
        assertThat(firstGap).isCloseTo(SECOND / 100, within(100_000L));
        assertThat(lateGap).isGreaterThan(5 * firstGap);
        // (100 + 10) / 2 * 10 s = 550 arrivals by the end of the ramp.
        assertThat(schedule.offsetNanos(550)).isCloseTo(10 * SECOND, within(1000L));
    }

    @Test
    void rampEqualEndsIsAConstantRate() {
        RateSchedule ramp = RateSchedule.ramp(50, 50, 10 * SECOND);
        RateSchedule constant = RateSchedule.constant(50);
        for (long i = 0; i < 1000; i += 37) {
            assertThat(ramp.offsetNanos(i)).isCloseTo(constant.offsetNanos(i), within(10L));
        }
    }

    @Test
    void dueTimesNeverGoBackwards() {
        RateSchedule schedule = RateSchedule.ramp(3, 700, 7 * SECOND);
        long previous = -1;
        for (long i = 0; i < 10_000; i++) {
            long offset = schedule.offsetNanos(i);
            assertThat(offset).isGreaterThanOrEqualTo(previous);
            previous = offset;
        }
    }

    @Test
    void rejectsRatesThatCannotSchedule() {
        assertThatThrownBy(() -> RateSchedule.constant(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateSchedule.constant(-3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateSchedule.ramp(10, 0, SECOND)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateSchedule.ramp(1, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
