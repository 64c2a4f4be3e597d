package io.loomcluster.loadtest.run;

import io.loomcluster.loadtest.schedule.RateSchedule;

import java.time.Duration;

/**
 * How load is offered: an open model (arrivals on a {@link RateSchedule}, whatever the server does) or a
 * closed model ({@code users} simulated users, each starting its next operation after its previous one
 * completed plus {@code think}). Both are bounded by {@code duration} and {@code maxRequests}.
 */
public sealed interface LoadPlan {
    Duration duration();

    long maxRequests();

    Duration grace();

    /** Arrivals at a scheduled rate; at most {@code maxInFlight} outstanding, the excess counted as dropped. */
    record Open(RateSchedule schedule, int maxInFlight, Duration duration, long maxRequests, Duration grace)
            implements LoadPlan {
    }

    record Closed(int users, Duration think, Duration duration, long maxRequests, Duration grace)
            implements LoadPlan {
    }
}
