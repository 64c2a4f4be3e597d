package io.loomcluster.app.jobs;

import io.loomcluster.contract.QueueFigures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The timed side of the queues on one instance: moves due retries back to their streams (every
 * {@code tick}), trims acknowledged entries and samples the figures for the metrics (every
 * {@code sampleEvery}). Safe on several instances at once: each step is one atomic script or command.
 */
public final class JobMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobMaintenance.class);
    private static final int MOVE_BATCH = 1000;

    private final List<JobQueue> queues;
    private final Clock clock;
    private final Duration tick;
    private final Duration sampleEvery;
    private final Map<String, QueueFigures> stats = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("jobs-maintenance").factory());
    private volatile boolean failing;

    public JobMaintenance(List<JobQueue> queues, Clock clock, Duration tick, Duration sampleEvery) {
        this.queues = List.copyOf(queues);
        this.clock = clock;
        this.tick = tick;
        this.sampleEvery = sampleEvery;
    }

    public JobMaintenance start() {
        timer.scheduleWithFixedDelay(this::moveDue, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::trimAndSample, 0, sampleEvery.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public QueueFigures stats(String type) {
        return stats.getOrDefault(type, QueueFigures.NONE);
    }

    void moveDue() {
        guarded(() -> {
            for (JobQueue queue : queues) {
                while (queue.moveDue(clock.millis(), MOVE_BATCH) == MOVE_BATCH) {
                    // a full batch: more may be due
                }
            }
        });
    }

    void trimAndSample() {
        guarded(() -> {
            for (JobQueue queue : queues) {
                queue.trimAcknowledged();
                stats.put(queue.type(), queue.stats(clock.millis()));
            }
        });
    }

    private void guarded(Runnable step) {
        try {
            step.run();
            if (failing) {
                log.info("jobs maintenance: Redis answers again");
            }
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("jobs maintenance: {}; retrying", e.toString());
            }
            failing = true;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
