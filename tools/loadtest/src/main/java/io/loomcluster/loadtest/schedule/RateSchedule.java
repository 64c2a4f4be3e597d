package io.loomcluster.loadtest.schedule;

/**
 * When each arrival of an open-model run is due. Arrival {@code i} (0-based) is due {@link #offsetNanos(long)}
 * after the start of the measured window; the driver never skips an arrival because it is late, so latency
 * counted from this intended time includes any delay the generator or the server caused.
 */
public interface RateSchedule {

    /** Nanoseconds from the start of the run at which arrival {@code index} should start. */
    long offsetNanos(long index);

    /** Arrival rate (per second) the schedule asks for at {@code seconds} into the run. */
    double rateAt(double seconds);

    static RateSchedule constant(double perSecond) {
        return new ConstantRate(perSecond);
    }

    /** Linear ramp from {@code from} to {@code to} per second over {@code rampNanos}, then constant {@code to}. */
    static RateSchedule ramp(double from, double to, long rampNanos) {
        return new LinearRamp(from, to, rampNanos);
    }
}
