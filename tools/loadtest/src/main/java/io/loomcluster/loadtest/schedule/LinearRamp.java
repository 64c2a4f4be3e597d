package io.loomcluster.loadtest.schedule;

/**
 * A rate that moves linearly from {@code from} to {@code to} over the ramp, then stays at {@code to}.
 * The number of arrivals due by time t is the integral of the rate, N(t) = from·t + (to − from)·t²/(2T);
 * arrival i is due at the t where N(t) = i, found in closed form.
 */
final class LinearRamp implements RateSchedule {
    private final double from;
    private final double to;
    private final double rampSeconds;
    private final double arrivalsDuringRamp;

    LinearRamp(double from, double to, long rampNanos) {
        if (from < 0 || to < 0 || Double.isNaN(from) || Double.isNaN(to) || (from == 0 && to == 0)) {
            throw new IllegalArgumentException("ramp rates must be >= 0 and not both 0, got " + from + ":" + to);
        }
        if (rampNanos <= 0) {
            throw new IllegalArgumentException("ramp time must be positive");
        }
        if (to == 0) {
            throw new IllegalArgumentException("a ramp must end at a positive rate, got " + from + ":" + to);
        }
        this.from = from;
        this.to = to;
        this.rampSeconds = rampNanos / 1e9;
        this.arrivalsDuringRamp = (from + to) / 2 * rampSeconds;
    }

    @Override
    public long offsetNanos(long index) {
        double seconds = index <= arrivalsDuringRamp ? duringRamp(index) : rampSeconds + (index - arrivalsDuringRamp) / to;
        return Math.round(seconds * 1e9);
    }

    private double duringRamp(double i) {
        if (i == 0) {
            return 0;
        }
        double a = (to - from) / (2 * rampSeconds);
        if (Math.abs(a) < 1e-12) {
            return i / from;
        }
        // Root of a·t² + from·t − i = 0 written to avoid cancellation when a is small.
        return 2 * i / (from + Math.sqrt(from * from + 4 * a * i));
    }

    @Override
    public double rateAt(double seconds) {
        if (seconds >= rampSeconds) {
            return to;
        }
        return from + (to - from) * Math.max(0, seconds) / rampSeconds;
    }
}
