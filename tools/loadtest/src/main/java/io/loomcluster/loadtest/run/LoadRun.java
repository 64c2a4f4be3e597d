package io.loomcluster.loadtest.run;

import io.loomcluster.loadtest.metrics.IntervalSample;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Ticket;
import io.loomcluster.loadtest.scenario.Workload;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives one measured window: offers the plan's load to the workload on virtual threads, stops offering
 * at the end of the duration (or after max-requests), lets in-flight operations finish within the grace
 * period and abandons the rest, so that a run always ends by itself.
 */
public final class LoadRun {
    /** Lets the scheduler and sampler start before the first arrival is due. */
    private static final long START_DELAY_NANOS = 20_000_000L;

    private final LoadPlan plan;
    private final Workload workload;
    private final Metrics metrics;
    private final PrintStream progress;

    public LoadRun(LoadPlan plan, Workload workload, Metrics metrics, PrintStream progress) {
        this.plan = plan;
        this.workload = workload;
        this.metrics = metrics;
        this.progress = progress;
    }

    /** What the window measured, besides the metrics themselves. */
    public record Window(double seconds, double cpuSeconds, List<IntervalSample> intervals) {
    }

    public Window run() {
        long start = System.nanoTime() + START_DELAY_NANOS;
        long windowEnd = start + plan.duration().toNanos();
        Sampler sampler = new Sampler(metrics, progress);
        sampler.start(start);
        long cpuBefore = ProcessCpu.nanos();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        boolean limitReached = switch (plan) {
            case LoadPlan.Open open -> offerOpen(open, executor, start, windowEnd);
            case LoadPlan.Closed closed -> offerClosed(closed, executor, start, windowEnd);
        };
        // The window lasts its whole duration unless max-requests ended it; held connections stay open to the end.
        if (workload.holdsUntilEnd() || !limitReached) {
            sleepUntil(windowEnd);
        }
        workload.stopArrivals();
        executor.shutdown();
        awaitTermination(executor, Math.max(windowEnd, System.nanoTime()) + plan.grace().toNanos());
        metrics.abandonInFlight();
        executor.shutdownNow();
        workload.drain(System.nanoTime() + plan.grace().toNanos());
        long end = System.nanoTime();
        long cpuAfter = ProcessCpu.nanos();
        List<IntervalSample> intervals = sampler.stop();
        return new Window((end - start) / 1e9, (cpuAfter - cpuBefore) / 1e9, intervals);
    }

    /** Offers arrivals until the window ends; true when it stopped at max-requests instead. */
    private boolean offerOpen(LoadPlan.Open open, ExecutorService executor, long start, long windowEnd) {
        Semaphore permits = new Semaphore(open.maxInFlight());
        for (long i = 0; i < open.maxRequests(); i++) {
            long intended = start + open.schedule().offsetNanos(i);
            if (intended >= windowEnd || !sleepUntil(intended)) {
                return false;
            }
            if (!permits.tryAcquire()) {
                metrics.drop(intended);
                continue;
            }
            Ticket ticket = metrics.begin(intended);
            long user = i;
            executor.execute(() -> {
                try {
                    perform(ticket, user);
                } finally {
                    permits.release();
                }
            });
        }
        return true;
    }

    /** Starts the users; they stop at the end of the window or when max-requests have been issued. */
    private boolean offerClosed(LoadPlan.Closed closed, ExecutorService executor, long start, long windowEnd) {
        AtomicLong issued = new AtomicLong();
        long thinkNanos = closed.think().toNanos();
        for (int u = 0; u < closed.users(); u++) {
            long user = u;
            executor.execute(() -> {
                long next = start;
                while (next < windowEnd && sleepUntil(next) && issued.getAndIncrement() < closed.maxRequests()) {
                    perform(metrics.begin(next), user);
                    // A closed-model user intends its next operation when the previous one ended plus think time.
                    next = System.nanoTime() + thinkNanos;
                }
            });
        }
        return closed.maxRequests() != Long.MAX_VALUE;
    }

    private void perform(Ticket ticket, long user) {
        try {
            workload.execute(ticket, user);
        } catch (RuntimeException e) {
            ticket.failure("(client)", "client: " + e.getClass().getSimpleName(), System.nanoTime());
        } finally {
            if (!ticket.isDone()) {
                ticket.failure("(client)", "client: no outcome reported", System.nanoTime());
            }
        }
    }

    /** Parks until the deadline; false when interrupted. */
    static boolean sleepUntil(long deadlineNanos) {
        long wait;
        while ((wait = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }

    private static void awaitTermination(ExecutorService executor, long deadlineNanos) {
        try {
            executor.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
