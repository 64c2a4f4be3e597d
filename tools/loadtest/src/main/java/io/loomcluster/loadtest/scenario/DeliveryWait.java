package io.loomcluster.loadtest.scenario;

import java.util.concurrent.locks.LockSupport;

/** After the window: gives subscribers until the deadline to receive every accepted post. */
final class DeliveryWait {
    private static final long POLL_NANOS = 20_000_000L;

    private DeliveryWait() {
    }

    static void until(ScenarioContext ctx, long deadlineNanos) {
        // Deliveries are counted by many subscriber threads; polling the count is the simplest bounded wait.
        while (ctx.metrics().deliveries() < ctx.deliveries().expected() && System.nanoTime() < deadlineNanos) {
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
