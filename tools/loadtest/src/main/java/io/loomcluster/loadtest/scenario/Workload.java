package io.loomcluster.loadtest.scenario;

import io.loomcluster.loadtest.metrics.Ticket;

/**
 * What a scenario does for one arrival (open model) or one iteration of a simulated user (closed model):
 * exactly one measured operation, whose outcome completes the ticket.
 */
public interface Workload extends AutoCloseable {

    /** Opens what must exist before the measured window (live subscribers); bounded by the set-up timeout. */
    default void prepare() {
    }

    /** Performs one operation for simulated user {@code user} and completes {@code ticket}, on the caller's thread. */
    void execute(Ticket ticket, long user);

    /** True when arrivals open long-lived connections that must be held until the end of the window. */
    default boolean holdsUntilEnd() {
        return false;
    }

    /** Called at the end of the window, before waiting for outstanding deliveries. */
    default void stopArrivals() {
    }

    /** Waits, until the deadline at most, for what the server still owes (deliveries of accepted posts). */
    default void drain(long deadlineNanos) {
    }

    /** Closes subscribers and background senders. */
    @Override
    default void close() {
    }
}
