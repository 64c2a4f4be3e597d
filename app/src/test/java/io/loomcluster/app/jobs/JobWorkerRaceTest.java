package io.loomcluster.app.jobs;

import io.loomcluster.app.redis.Redis;
import io.loomcluster.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Two workers race over one stream, with failures and retries: every job succeeds once, and the bound holds. */
class JobWorkerRaceTest {
    private final Redis redis = RealServices.shared().redis;

    @Test
    void competingWorkersRunEveryJobToSuccessExactlyOnceWithinTheirBound() {
        String type = "race-" + UUID.randomUUID();
        JobQueue queue = new JobQueue(redis.client(), type);
        queue.ensureGroup();
        int jobs = 3000;
        int concurrency = 16;
        Map<String, AtomicInteger> successes = new ConcurrentHashMap<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        JobHandler handler = job -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            try {
                // Every fifth job fails its first two attempts; every seventh is deferred once without counting.
                int n = Integer.parseInt(job.id());
                if (n % 5 == 0 && job.attempt() <= 2) {
                    failures.incrementAndGet();
                    throw new IllegalStateException("flaky " + n);
                }
                if (n % 7 == 0 && job.attempt() == 1 && successes.putIfAbsent("deferred-" + n, new AtomicInteger()) == null) {
                    return new Outcome.Later(Duration.ofMillis(5), false, "busy");
                }
                successes.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
                return Outcome.DONE;
            } finally {
                running.decrementAndGet();
            }
        };
        var settings = new JobWorker.Settings(concurrency, 5, new Backoff(Duration.ofMillis(2), Duration.ofMillis(20)),
                Duration.ofSeconds(60));
        JobMetrics metrics = new JobMetrics(new SimpleMeterRegistry());
        try (var maintenance = new JobMaintenance(List.of(queue), Clock.systemUTC(), Duration.ofMillis(5), Duration.ofMillis(50)).start();
             var w1 = new JobWorker(queue, handler, Executors.newVirtualThreadPerTaskExecutor(), settings, metrics, Clock.systemUTC(), "w1").start();
             var w2 = new JobWorker(queue, handler, Executors.newVirtualThreadPerTaskExecutor(), settings, metrics, Clock.systemUTC(), "w2").start()) {
            for (int i = 0; i < jobs; i++) {
                queue.enqueue(Job.first(Integer.toString(i), type, "{}", System.currentTimeMillis()));
            }
            Await.until("every job done", Duration.ofSeconds(60),
                    () -> successes.keySet().stream().filter(k -> !k.startsWith("deferred")).count() == jobs
                            && queue.stats(0).pending() == 0);
        }
        assertThat(successes.entrySet().stream().filter(e -> !e.getKey().startsWith("deferred"))
                .allMatch(e -> e.getValue().get() == 1)).isTrue();
        assertThat(failures.get()).isEqualTo(2 * (jobs / 5));
        assertThat(maxRunning.get()).isLessThanOrEqualTo(2 * concurrency);
        assertThat(queue.stats(0).dead()).isZero();
    }

    @Test
    void aBoundAboveOneReadBatchIsFilledInFull() throws InterruptedException {
        String type = "bound-" + UUID.randomUUID();
        JobQueue queue = new JobQueue(redis.client(), type);
        queue.ensureGroup();
        int concurrency = 700; // well above one read batch (256)
        AtomicInteger running = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        JobHandler handler = job -> {
            running.incrementAndGet();
            release.await();
            return Outcome.DONE;
        };
        var settings = new JobWorker.Settings(concurrency, 3, new Backoff(Duration.ofMillis(2), Duration.ofMillis(20)),
                Duration.ofSeconds(60));
        try (var worker = new JobWorker(queue, handler, Executors.newVirtualThreadPerTaskExecutor(), settings,
                new JobMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), "w").start()) {
            for (int i = 0; i < concurrency + 100; i++) {
                queue.enqueue(Job.first(Integer.toString(i), type, "{}", System.currentTimeMillis()));
            }
            Await.until("every slot busy", Duration.ofSeconds(30), () -> running.get() == concurrency);
            assertThat(worker.inFlight()).isEqualTo(concurrency);
            release.countDown();
            Await.until("every job done", Duration.ofSeconds(30),
                    () -> running.get() == concurrency + 100 && queue.stats(0).pending() == 0);
        }
        assertThat(running.get()).as("none beyond the bound ran twice").isEqualTo(concurrency + 100);
    }

    @Test
    void aDrainedWorkerHasAcknowledgedEveryJobItFinished() {
        String type = "drain-" + UUID.randomUUID();
        JobQueue queue = new JobQueue(redis.client(), type);
        queue.ensureGroup();
        int jobs = 2000;
        AtomicInteger ran = new AtomicInteger();
        JobHandler handler = job -> {
            ran.incrementAndGet();
            return Outcome.DONE;
        };
        var settings = new JobWorker.Settings(500, 3, new Backoff(Duration.ofMillis(2), Duration.ofMillis(20)),
                Duration.ofSeconds(60));
        var worker = new JobWorker(queue, handler, Executors.newVirtualThreadPerTaskExecutor(), settings,
                new JobMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), "w").start();
        for (int i = 0; i < jobs; i++) {
            queue.enqueue(Job.first(Integer.toString(i), type, "{}", System.currentTimeMillis()));
        }
        Await.until("every job ran", Duration.ofSeconds(30), () -> ran.get() == jobs);

        assertThat(worker.drain(Duration.ofSeconds(10))).isTrue();
        assertThat(queue.stats(0).pending()).as("acknowledged before drain returned").isZero();
        assertThat(ran.get()).isEqualTo(jobs);
    }
}
