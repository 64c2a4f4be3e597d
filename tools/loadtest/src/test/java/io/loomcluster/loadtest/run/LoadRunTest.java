package io.loomcluster.loadtest.run;

import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Totals;
import io.loomcluster.loadtest.scenario.Workload;
import io.loomcluster.loadtest.schedule.RateSchedule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LoadRunTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void openModelStopsAfterMaxRequestsWithEveryRequestCounted() {
        Metrics metrics = new Metrics();
        Set<Long> users = ConcurrentHashMap.newKeySet();
        Workload ok = (ticket, user) -> {
            users.add(user);
            ticket.response("op", 200, "app-" + (user % 2), System.nanoTime());
        };
        // A cap above max-requests: nothing can be dropped, so every arrival must run.
        LoadPlan plan = new LoadPlan.Open(RateSchedule.constant(10_000), 1000, LONG, 200, Duration.ofSeconds(5));

        new LoadRun(plan, ok, metrics, null).run();

        Totals totals = metrics.totals(1);
        assertThat(totals.requests()).isEqualTo(200);
        assertThat(totals.successes()).isEqualTo(200);
        assertThat(users).hasSize(200);
        assertThat(metrics.instances()).containsEntry("app-0", 100L).containsEntry("app-1", 100L);
    }

    @Test
    void arrivalsOverTheInFlightCapAreDroppedAndCountedAsErrors() {
        Metrics metrics = new Metrics();
        long arrivals = 20;
        // The first operation holds the only permit until the scheduler has dropped every later arrival.
        Workload holdsFirst = (ticket, user) -> {
            if (user == 0) {
                awaitCondition(() -> metrics.totals(1).dropped() == arrivals - 1);
            }
            ticket.response("op", 200, "app-1", System.nanoTime());
        };
        LoadPlan plan = new LoadPlan.Open(RateSchedule.constant(10_000), 1, LONG, arrivals, Duration.ofSeconds(5));

        new LoadRun(plan, holdsFirst, metrics, null).run();

        Totals totals = metrics.totals(1);
        assertThat(totals.requests()).isEqualTo(arrivals);
        assertThat(totals.successes()).isEqualTo(1);
        assertThat(totals.dropped()).isEqualTo(arrivals - 1);
        assertThat(totals.errors()).isEqualTo(arrivals - 1);
        assertThat(metrics.errorsByCause()).containsEntry(Metrics.DROPPED, arrivals - 1);
        assertThat(metrics.latency().count()).isEqualTo(1);
    }

    @Test
    void closedModelUsersIssueExactlyMaxRequests() {
        Metrics metrics = new Metrics();
        AtomicLong concurrent = new AtomicLong();
        AtomicLong maxConcurrent = new AtomicLong();
        Workload counting = (ticket, user) -> {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            concurrent.decrementAndGet();
            ticket.response("op", 204, "app-1", System.nanoTime());
        };
        LoadPlan plan = new LoadPlan.Closed(3, Duration.ZERO, LONG, 90, Duration.ofSeconds(5));

        new LoadRun(plan, counting, metrics, null).run();

        assertThat(metrics.totals(1).requests()).isEqualTo(90);
        assertThat(metrics.totals(1).successes()).isEqualTo(90);
        assertThat(maxConcurrent.get()).isLessThanOrEqualTo(3);
    }

    @Test
    void operationsStillRunningAfterTheGracePeriodAreAbandoned() {
        Metrics metrics = new Metrics();
        CountDownLatch never = new CountDownLatch(1);
        Workload hangs = (ticket, user) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                // The run interrupts what it abandons; the ticket has been completed for us.
                Thread.currentThread().interrupt();
            }
        };
        LoadPlan plan = new LoadPlan.Open(RateSchedule.constant(1000), 8, Duration.ofMillis(100), 5,
                Duration.ofMillis(100));

        LoadRun.Window window = new LoadRun(plan, hangs, metrics, null).run();

        Totals totals = metrics.totals(window.seconds());
        assertThat(totals.requests()).isEqualTo(5);
        assertThat(totals.abandoned()).isEqualTo(5);
        assertThat(totals.errors()).isEqualTo(5);
        assertThat(metrics.inFlight()).isZero();
        assertThat(window.intervals()).isNotEmpty();
    }

    @Test
    void aWorkloadThatThrowsCountsAsAClientError() {
        Metrics metrics = new Metrics();
        Workload broken = (ticket, user) -> {
            throw new IllegalStateException("bug");
        };
        LoadPlan plan = new LoadPlan.Open(RateSchedule.constant(10_000), 8, LONG, 3, Duration.ofSeconds(5));

        new LoadRun(plan, broken, metrics, null).run();

        assertThat(metrics.totals(1).errors()).isEqualTo(3);
        assertThat(metrics.errorsByCause()).containsEntry("client: IllegalStateException", 3L);
    }

    /** Spins (yielding) until the condition holds; the cases above make it hold within microseconds. */
    private static void awaitCondition(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached");
            }
            Thread.yield();
        }
    }
}
