package io.loomcluster.app.bench;

import io.loomcluster.app.jobs.Backoff;
import io.loomcluster.app.jobs.Job;
import io.loomcluster.app.jobs.JobHandler;
import io.loomcluster.app.jobs.JobMetrics;
import io.loomcluster.app.jobs.JobQueue;
import io.loomcluster.app.jobs.JobWorker;
import io.loomcluster.app.jobs.Outcome;
import io.loomcluster.app.redis.Redis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * No-op jobs end to end on a real Redis (scripts/bench-jobs): bulk enqueue rate; throughput with one
 * and two workers (enqueue, read, run, ack); enqueue-to-start latency at half the one-worker rate,
 * cold (first 2 s) and warm. Usage: JobsBench REDIS_URL JOBS
 */
public final class JobsBench {
    private static final int CONCURRENCY = 256;

    public static void main(String[] args) throws Exception {
        URI redisUrl = URI.create(args[0]);
        int jobs = Integer.parseInt(args[1]);
        try (Redis redis = Redis.connect(redisUrl)) {
            throughput(redis, jobs, 1); // warm-up round, not reported
            double one = throughput(redis, jobs, 1);
            double two = throughput(redis, jobs, 2);
            System.out.printf("noop throughput: 1 worker %.0f jobs/s, 2 workers %.0f jobs/s%n", one, two);
            latency(redis, one / 2, Duration.ofSeconds(10));
        }
    }

    private static JobWorker worker(Redis redis, JobQueue queue, JobHandler handler, String name) {
        var settings = new JobWorker.Settings(CONCURRENCY, 3, new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1)),
                Duration.ofSeconds(60));
        return new JobWorker(queue, handler, Executors.newVirtualThreadPerTaskExecutor(), settings,
                new JobMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), name);
    }

    private static double throughput(Redis redis, int jobs, int workers) throws Exception {
        String type = "bench-" + UUID.randomUUID();
        JobQueue queue = new JobQueue(redis.client(), type);
        queue.ensureGroup();
        long start = System.nanoTime();
        List<Job> batch = new ArrayList<>(1000);
        for (int i = 0; i < jobs; i++) {
            batch.add(Job.first(type + ":" + i, type, "{}", System.currentTimeMillis()));
            if (batch.size() == 1000) {
                queue.enqueueAll(batch);
                batch.clear();
            }
        }
        queue.enqueueAll(batch);
        double enqueueSeconds = (System.nanoTime() - start) / 1e9;
        AtomicLong done = new AtomicLong();
        JobHandler noop = job -> {
            done.incrementAndGet();
            return Outcome.DONE;
        };
        List<JobWorker> running = new ArrayList<>();
        long runStart = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            running.add(worker(redis, queue, noop, "w" + w).start());
        }
        while (done.get() < jobs) {
            LockSupport.parkNanos(1_000_000);
        }
        double seconds = (System.nanoTime() - runStart) / 1e9;
        running.forEach(w -> w.drain(Duration.ofSeconds(5)));
        redis.client().del(queue.streamKey());
        System.out.printf("  bulk enqueue %d jobs: %.0f jobs/s; processed with %d worker(s): %.0f jobs/s%n", jobs,
                jobs / enqueueSeconds, workers, jobs / seconds);
        return jobs / seconds;
    }

    private static void latency(Redis redis, double rate, Duration length) {
        String type = "bench-lat-" + UUID.randomUUID();
        JobQueue queue = new JobQueue(redis.client(), type);
        queue.ensureGroup();
        Percentiles cold = new Percentiles(1_000_000);
        Percentiles warm = new Percentiles(1_000_000);
        long origin = System.nanoTime();
        AtomicLong seen = new AtomicLong();
        JobHandler record = job -> {
            long now = System.nanoTime();
            seen.incrementAndGet();
            long sent = Long.parseLong(job.payload());
            (sent - origin < 2_000_000_000L ? cold : warm).add((now - sent) / 1000);
            return Outcome.DONE;
        };
        JobWorker w = worker(redis, queue, record, "lat").start();
        long interval = (long) (1e9 / rate);
        long total = length.toNanos() / interval;
        long next = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            queue.enqueue(Job.first(type + ":" + i, type, Long.toString(System.nanoTime()), System.currentTimeMillis()));
            next += interval;
        }
        double achieved = total / ((System.nanoTime() - origin) / 1e9);
        while (seen.get() < total) {
            LockSupport.parkNanos(1_000_000);
        }
        w.drain(Duration.ofSeconds(10));
        redis.client().del(queue.streamKey());
        System.out.printf("  (offered %.0f jobs/s)%n", achieved);
        System.out.printf("enqueue-to-start latency at %.0f jobs/s (half the 1-worker maximum), 1 worker:%n  first 2 s: %s%n  warm:      %s%n",
                rate, cold.describe(), warm.describe());
    }
}
