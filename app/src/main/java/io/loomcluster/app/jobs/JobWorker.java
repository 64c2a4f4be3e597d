package io.loomcluster.app.jobs;

import io.loomcluster.app.jobs.JobQueue.Delivery;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the jobs of one type: one reader takes at most as many entries as it has free permits
 * ({@code concurrency}), each job runs on the executor and returns its permit when done. A success is
 * acknowledged; a failure is acknowledged and scheduled for a retry with back-off (never a sleep
 * here), or buried after {@code maxAttempts}. Entries that a dead worker left pending are claimed
 * after {@code visibilityTimeout}. Nothing is queued in memory beyond the permits.
 */
public final class JobWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWorker.class);
    private static final int BLOCK_MILLIS = 500;
    private static final int MAX_BATCH = 256;
    private static final int ACK_BATCH = 1024;
    private static final Duration ACK_FLUSH_FLOOR = Duration.ofSeconds(1);

    /** How the worker runs: concurrency, attempts, back-off, visibility timeout. */
    public record Settings(int concurrency, int maxAttempts, Backoff backoff, Duration visibilityTimeout) {
    }

    private final JobQueue queue;
    private final JobHandler handler;
    private final ExecutorService executor;
    private final Settings settings;
    private final JobMetrics metrics;
    private final Clock clock;
    private final String consumer;
    private final JobSpans spans;
    private final Semaphore permits;
    private final Acknowledger acks;
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile Thread reader;
    private long nextClaimAt;

    /** A worker whose runs are not traced. */
    public JobWorker(JobQueue queue, JobHandler handler, ExecutorService executor, Settings settings, JobMetrics metrics,
                     Clock clock, String consumer) {
        this(queue, handler, executor, settings, metrics, clock, consumer, JobSpans.OFF);
    }

    JobWorker(JobQueue queue, JobHandler handler, ExecutorService executor, Settings settings, JobMetrics metrics,
              Clock clock, String consumer, JobSpans spans) {
        this.spans = spans;
        this.queue = queue;
        this.handler = handler;
        this.executor = executor;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.consumer = consumer;
        this.permits = new Semaphore(settings.concurrency());
        this.acks = new Acknowledger(queue, metrics, clock, Math.max(ACK_BATCH, settings.concurrency()), ACK_BATCH);
    }

    public JobWorker start() {
        acks.start();
        reader = Thread.ofVirtual().name("jobs-" + queue.type()).start(this::readLoop);
        return this;
    }

    /** Jobs running now (not the permits the reader holds while it waits for entries). */
    public int inFlight() {
        return running.get();
    }

    private void readLoop() {
        boolean failing = false;
        while (stopping.getCount() > 0) {
            try {
                queue.ensureGroup();
                while (stopping.getCount() > 0) {
                    readOnce();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!failing) {
                    log.warn("jobs {}: cannot read the stream ({}); retrying every second", queue.type(), e.toString());
                }
                failing = true;
                if (await(Duration.ofSeconds(1))) {
                    return;
                }
                continue;
            }
        }
    }

    private void readOnce() throws InterruptedException {
        permits.acquire();
        if (stopping.getCount() == 0) {
            permits.release(); // draining: take nothing new
            return;
        }
        // Take up to a batch of the free slots and give back the rest: a drain without the give-back
        // would lose every slot above MAX_BATCH, silently capping concurrency at one batch.
        int free = permits.drainPermits();
        int held = 1 + Math.min(free, MAX_BATCH - 1);
        permits.release(free - (held - 1));
        List<Delivery> got;
        try {
            got = claimIfDue(held);
            if (got.isEmpty()) {
                got = queue.read(consumer, held, BLOCK_MILLIS);
            }
        } catch (RuntimeException e) {
            permits.release(held);
            throw e;
        }
        permits.release(held - got.size());
        for (Delivery delivery : got) {
            running.incrementAndGet();
            executor.execute(() -> {
                try {
                    run(delivery);
                } finally {
                    running.decrementAndGet();
                    permits.release();
                }
            });
        }
    }

    private List<Delivery> claimIfDue(int count) {
        long now = clock.millis();
        if (now < nextClaimAt) {
            return List.of();
        }
        nextClaimAt = now + Math.max(100, settings.visibilityTimeout().toMillis() / 4);
        return queue.claimStale(consumer, settings.visibilityTimeout().toMillis(), count);
    }

    /** Runs one delivery to its end state: acknowledged, scheduled for a retry, or buried. */
    void run(Delivery delivery) {
        if (!spans.enabled()) {
            settle(delivery, Span.getInvalid());
            return;
        }
        Span span = spans.start(delivery);
        try (Scope ignored = span.makeCurrent()) {
            settle(delivery, span);
        } finally {
            span.end();
        }
    }

    private void settle(Delivery delivery, Span span) {
        Job job = delivery.job();
        try {
            Outcome outcome;
            try {
                outcome = handler.handle(job);
            } catch (Exception e) {
                fail(delivery, describe(e), null, span);
                return;
            }
            switch (outcome) {
                case Outcome.Done d -> {
                    acks.ack(delivery);
                    JobSpans.ended(span, JobSpans.Ending.DONE, null);
                }
                case Outcome.Later later when !later.countsAsAttempt() -> {
                    queue.retryLater(delivery, job, clock.millis() + later.delay().toMillis());
                    metrics.deferred(job.type());
                    JobSpans.ended(span, JobSpans.Ending.DEFERRED, null);
                }
                case Outcome.Later later -> fail(delivery, later.reason(), later.delay(), span);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shut down mid-job: the entry stays pending and is claimed again
        } catch (RuntimeException e) {
            // Redis failed while recording the outcome: the entry stays pending and is claimed again
            // after the visibility timeout; the handler's idempotency makes the second run harmless.
            log.warn("jobs {}: could not record the outcome of job {} ({}); it will be claimed again", job.type(), job.id(),
                    e.toString());
            JobSpans.ended(span, JobSpans.Ending.UNRECORDED, e.toString());
        }
    }

    private void fail(Delivery delivery, String error, Duration delay, Span span) {
        Job job = delivery.job();
        if (job.attempt() >= settings.maxAttempts()) {
            queue.bury(delivery, error);
            metrics.deadLettered(job.type());
            JobSpans.ended(span, JobSpans.Ending.DEAD_LETTERED, error);
            log.warn("jobs {}: job {} dead-lettered after {} attempts: {}", job.type(), job.id(), job.attempt(), error);
            return;
        }
        Duration wait = delay != null ? delay : settings.backoff().delayAfter(job.attempt());
        queue.retryLater(delivery, job.nextAttempt(), clock.millis() + wait.toMillis());
        metrics.retried(job.type());
        JobSpans.ended(span, JobSpans.Ending.RETRY, error);
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        String text = message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
        return text.length() > 500 ? text.substring(0, 500) : text;
    }

    /** Waits up to {@code duration}; true when the worker is stopping. */
    private boolean await(Duration duration) {
        try {
            return stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /**
     * Drains: stops reading, waits up to {@code timeout} for running jobs, then sends their
     * acknowledgements. Whatever has not finished (or been acknowledged) by then stays pending in
     * the group, and another worker claims it.
     */
    public boolean drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean idle = awaitIdle(timeout);
        // A short floor: even a zero-timeout close sends the acknowledgements already gathered.
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        return acks.close(left.compareTo(ACK_FLUSH_FLOOR) < 0 ? ACK_FLUSH_FLOOR : left) && idle;
    }

    private boolean awaitIdle(Duration timeout) {
        stopping.countDown();
        Thread r = reader;
        if (r != null) {
            try {
                r.join(Duration.ofMillis(BLOCK_MILLIS * 4L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            boolean idle = permits.tryAcquire(settings.concurrency(), timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (idle) {
                permits.release(settings.concurrency());
            }
            return idle;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        drain(Duration.ZERO);
    }
}
