package io.loomcluster.app.jobs;

import io.loomcluster.app.redis.Redis;
import io.loomcluster.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class AcknowledgerTest {
    private final Redis redis = RealServices.shared().redis;

    private JobQueue freshQueue() {
        JobQueue queue = new JobQueue(redis.client(), "ack-" + UUID.randomUUID());
        queue.ensureGroup();
        return queue;
    }

    private static List<JobQueue.Delivery> delivered(JobQueue queue, int n) {
        for (int i = 0; i < n; i++) {
            queue.enqueue(Job.first("j" + i, queue.type(), "{}", System.currentTimeMillis()));
        }
        List<JobQueue.Delivery> read = queue.read("c1", n, 0);
        assertThat(read).hasSize(n);
        return read;
    }

    @Test
    void aLoneAcknowledgementIsSentWithoutWaitingForABatchToFill() throws InterruptedException {
        JobQueue queue = freshQueue();
        JobQueue.Delivery delivery = delivered(queue, 1).get(0);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (var acks = new Acknowledger(queue, new JobMetrics(registry), Clock.systemUTC(), 16, 8).start()) {
            acks.ack(delivery);
            Await.until("the entry acknowledged", Duration.ofSeconds(10), () -> queue.stats(0).pending() == 0);
            Await.until("counted as done", Duration.ofSeconds(10),
                    () -> registry.counter("loom_jobs_done", "type", queue.type()).count() == 1);
        }
    }

    @Test
    void closeSendsEverythingHandedOverAndLaterAcknowledgementsAreSentDirectly() throws InterruptedException {
        JobQueue queue = freshQueue();
        List<JobQueue.Delivery> deliveries = delivered(queue, 301);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        var acks = new Acknowledger(queue, new JobMetrics(registry), Clock.systemUTC(), 1024, 64).start();
        for (JobQueue.Delivery d : deliveries.subList(0, 300)) {
            acks.ack(d);
        }
        assertThat(acks.close(Duration.ofSeconds(10))).isTrue();
        assertThat(queue.stats(0).pending()).as("sent before close returned").isEqualTo(1);

        acks.ack(deliveries.get(300));
        assertThat(queue.stats(0).pending()).as("sent before ack returned").isZero();
        assertThat(registry.counter("loom_jobs_done", "type", queue.type()).count()).isEqualTo(301);
    }

    @Test
    void anUnreachableRedisNeitherStopsTheFlusherNorHoldsUpClose() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        try (Redis unreachable = Redis.connect(URI.create("redis://127.0.0.1:" + deadPort))) {
            JobQueue queue = new JobQueue(unreachable.client(), "ack-" + UUID.randomUUID());
            Job job = Job.first("lost", queue.type(), "{}", 0);
            var acks = new Acknowledger(queue, new JobMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), 4, 2).start();
            // More than the capacity: each send fails, and the flusher goes on taking entries.
            for (int i = 0; i < 10; i++) {
                acks.ack(new JobQueue.Delivery(new redis.clients.jedis.StreamEntryID(1, i), job));
            }
            assertThat(acks.close(Duration.ofSeconds(30))).isTrue();
            assertThat(acks.waiting()).isZero();
        }
    }
}
