package io.loomcluster.loadtest.schedule;

/** Arrivals evenly spaced at a fixed rate: arrival i is due at i / rate seconds. */
final class ConstantRate implements RateSchedule {
    private final double perSecond;

    ConstantRate(double perSecond) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be a positive number, got " + perSecond);
        }
        this.perSecond = perSecond;
    }

    @Override
    public long offsetNanos(long index) {
        return Math.round(index * 1e9 / perSecond);
    }

    @Override
    public double rateAt(double seconds) {
        return perSecond;
    }
}
