package io.loomcluster.app.jobs;

import io.loomcluster.app.redis.Redis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.RepeatedTest;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many jobs finish at once through a small acknowledger, which is closed while they still hand
 * entries over: every entry is acknowledged, each counted done once, none left pending.
 */
class AcknowledgerRaceTest {
    private final Redis redis = RealServices.shared().redis;

    @RepeatedTest(5)
    void acknowledgementsRacingWithCloseAreEachSentAndCountedOnce() throws InterruptedException {
        JobQueue queue = new JobQueue(redis.client(), "ack-race-" + UUID.randomUUID());
        queue.ensureGroup();
        int producers = 64;
        int each = 40;
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < producers * each; i++) {
            jobs.add(Job.first("j" + i, queue.type(), "{}", System.currentTimeMillis()));
        }
        queue.enqueueAll(jobs);
        List<JobQueue.Delivery> deliveries = queue.read("c1", jobs.size(), 0);
        assertThat(deliveries).hasSize(jobs.size());

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // A capacity far below the producers: handing over waits for room, batches stay small.
        var acks = new Acknowledger(queue, new JobMetrics(registry), Clock.systemUTC(), 8, 5).start();
        CountDownLatch halfway = new CountDownLatch(producers * each / 2);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < producers; p++) {
                List<JobQueue.Delivery> mine = deliveries.subList(p * each, (p + 1) * each);
                threads.submit(() -> {
                    for (JobQueue.Delivery d : mine) {
                        acks.ack(d);
                        halfway.countDown();
                    }
                    return null;
                });
            }
            halfway.await();
            acks.close(Duration.ofSeconds(30));
        }
        assertThat(queue.stats(0).pending()).isZero();
        assertThat(registry.counter("loom_jobs_done", "type", queue.type()).count()).isEqualTo(producers * each);
        assertThat(acks.waiting()).isZero();
        redis.client().del(queue.streamKey());
    }
}
