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
        long nowMicros = LeanClock.epochMicros();
        latency.recordValue(Math.max(0, Math.min(nowMicros - sentMicros, latency.getHighestTrackableValue())));
        received++;
    }

    /** One delivered event: its id and the send time (epoch µs) its post carried. */
    void delivered(long id, long sentMicros) {
        long nowMicros = LeanClock.epochMicros();
        latency.recordValue(Math.max(0, Math.min(nowMicros - sentMicros, latency.getHighestTrackableValue())));
        if (id <= lastId) {
            duplicates++;
        } else {
            lastId = id;
        }
        received++;
    }
}
