package io.loomcluster.app.jobs;

import io.loomcluster.app.jobs.JobQueue.Delivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Acknowledges one worker's successful jobs in batches. A finished job hands its entry over and
 * goes; one virtual thread sends whatever has gathered as a single {@code XACK} with many ids, so a
 * worker with thousands of jobs in flight makes a few round trips a second instead of one per job
 * (and holds one pooled Redis connection for it, not one per job). There is no timer: the entries
 * that finish while one {@code XACK} is on the wire make up the next, so an idle worker acknowledges
 * at once and a busy one in batches of up to {@code maxBatch}.
 *
 * <p>Bounded: at most {@code capacity} entries wait; when full, finishing jobs wait for room (and
 * keep their worker slot meanwhile, so the reader takes nothing new). An acknowledgement that is
 * lost (Redis failed, the process died before the flush) leaves the entry pending: another worker
 * claims it after the visibility timeout, and the idempotent handler runs it again to no effect.
 * {@link #close} flushes what waits; an entry handed over after that is acknowledged directly.
 */
final class Acknowledger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Acknowledger.class);
    /** Put by close() to wake a flusher waiting on an empty queue. */
    private static final Delivery WAKE = new Delivery(null, null);

    private final JobQueue queue;
    private final JobMetrics metrics;
    private final Clock clock;
    private final int maxBatch;
    private final BlockingQueue<Delivery> waiting;
    private final Thread flusher;
    private volatile boolean closed;
    private boolean failing; // flusher thread only

    Acknowledger(JobQueue queue, JobMetrics metrics, Clock clock, int capacity, int maxBatch) {
        this.queue = queue;
        this.metrics = metrics;
        this.clock = clock;
        this.maxBatch = maxBatch;
        this.waiting = new ArrayBlockingQueue<>(capacity);
        this.flusher = Thread.ofVirtual().name("jobs-" + queue.type() + "-ack").unstarted(this::flushLoop);
    }

    Acknowledger start() {
        flusher.start();
        return this;
    }

    /** Hands over a successful job's entry; waits only while {@code capacity} entries are already waiting. */
    void ack(Delivery delivery) throws InterruptedException {
        if (!closed) {
            waiting.put(delivery);
            // Closed meanwhile: the flusher may have made its last pass. Take the entry back and
            // acknowledge it here; if it is gone, the flusher took it and acknowledges it.
            if (!closed || !waiting.remove(delivery)) {
                return;
            }
        }
        send(List.of(delivery));
    }

    /** Entries handed over and not yet sent. */
    int waiting() {
        return (int) waiting.stream().filter(d -> d != WAKE).count();
    }

    private void flushLoop() {
        List<Delivery> batch = new ArrayList<>(maxBatch);
        while (true) {
            try {
                batch.add(waiting.take());
            } catch (InterruptedException e) {
                return; // close() gave up waiting: what is left stays pending and is claimed again later
            }
            waiting.drainTo(batch, maxBatch - 1);
            batch.removeIf(d -> d == WAKE);
            if (!batch.isEmpty()) {
                sendQuietly(batch);
                batch.clear();
            }
            if (closed && waiting.isEmpty()) {
                return;
            }
        }
    }

    private void sendQuietly(List<Delivery> batch) {
        try {
            send(batch);
            if (failing) {
                log.info("jobs {}: acknowledging again", queue.type());
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("jobs {}: could not acknowledge {} jobs ({}); they will be claimed again after the visibility timeout",
                        queue.type(), batch.size(), e.toString());
            }
            failing = true;
        }
    }

    private void send(List<Delivery> batch) {
        queue.ack(batch);
        long now = clock.millis();
        for (Delivery delivery : batch) {
            metrics.done(delivery.job().type(), now - delivery.job().enqueuedAt());
        }
    }

    /**
     * Stops taking entries, sends what waits and returns once sent or after {@code timeout}
     * (what is not sent by then stays pending). True when everything was sent.
     */
    boolean close(Duration timeout) {
        closed = true;
        if (flusher.getState() == Thread.State.NEW) {
            return waiting.isEmpty(); // never started: nothing was handed over
        }
        waiting.offer(WAKE); // when full there is no need: the flusher is busy and sees closed after its batch
        try {
            if (flusher.join(timeout.isZero() ? Duration.ofMillis(1) : timeout)) {
                waiting.remove(WAKE); // left behind when the flusher had already seen closed: free its slot
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flusher.interrupt();
        return false;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
