package io.loomcluster.loadtest.lean;

import org.HdrHistogram.Histogram;

/**
 * What one subscriber received: each event's latency into its loop's histogram, ids that must rise
 * (a repeat is a duplicate). Written by the subscriber's event loop only; read by the report after
 * the run (volatile for that).
 */
final class Tally {
    private final Histogram latency;
    volatile long lastId = -1;
    volatile long received;
    volatile long duplicates;

    Tally(Histogram latency) {
        this.latency = latency;
    }

    /** One typing event of a typist whose last signal went out at {@code sentMicros} (epoch µs). */
    void typed(long sentMicros) {
        record(sentMicros);
        received++;
    }

    /** One delivered event: its id and the send time (epoch µs) its post carried. */
    void delivered(long id, long sentMicros) {
        record(sentMicros);
        if (id <= lastId) {
            duplicates++;
        } else {
            lastId = id;
        }
        received++;
    }

    // From the send time to now, clamped to what the histogram holds.
    private void record(long sentMicros) {
        long micros = LeanClock.epochMicros() - sentMicros;
        latency.recordValue(Math.max(0, Math.min(micros, latency.getHighestTrackableValue())));
    }
}
