package io.loomcluster.app.jobs;

import io.loomcluster.app.redis.Redis;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.params.XAddParams;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class JobQueueTest {
    private final Redis redis = RealServices.shared().redis;

    private JobQueue freshQueue() {
        JobQueue queue = new JobQueue(redis.client(), "test-" + UUID.randomUUID());
        queue.ensureGroup();
        return queue;
    }

    private static Job job(String id) {
        return Job.first(id, "test", "{}", 1000);
    }

    @Test
    void aJobScheduledForARetryReturnsToTheStreamOnlyWhenDueWithItsNextAttempt() {
        JobQueue queue = freshQueue();
        queue.enqueue(job("a"));
        JobQueue.Delivery first = queue.read("c1", 10, 0).get(0);
        queue.retryLater(first, first.job().nextAttempt(), 5_000);

        assertThat(queue.stats(0).pending()).isZero();
        assertThat(queue.moveDue(4_999, 10)).isZero();
        assertThat(queue.moveDue(5_000, 10)).isEqualTo(1);
        List<JobQueue.Delivery> again = queue.read("c1", 10, 0);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).job()).isEqualTo(new Job("a", "test", "{}", 2, 1000));
        assertThat(queue.moveDue(10_000, 10)).isZero();
    }

    @Test
    void aJobKeepsTheTraceContextOfItsRequestThroughRetriesDeadLettersAndRedrives() {
        JobQueue queue = freshQueue();
        var trace = new TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=abc");
        queue.enqueue(new Job("t", "test", "{}", 1, 1000, trace));
        JobQueue.Delivery first = queue.read("c1", 10, 0).get(0);
        assertThat(first.job().trace()).isEqualTo(trace);

        queue.retryLater(first, first.job().nextAttempt(), 0);
        queue.moveDue(0, 10);
        JobQueue.Delivery second = queue.read("c1", 10, 0).get(0);
        assertThat(second.job().attempt()).isEqualTo(2);
        assertThat(second.job().trace()).isEqualTo(trace);

        queue.bury(second, "boom");
        JobQueue.DeadLetter letter = queue.deadLetters(10).get(0);
        assertThat(letter.job().trace()).isEqualTo(trace);
        assertThat(queue.redrive(letter)).isTrue();
        assertThat(queue.read("c1", 10, 0).get(0).job()).isEqualTo(new Job("t", "test", "{}", 1, 1000, trace));
    }

    @Test
    void anEntryWrittenWithoutATraceContextStillReadsAsAJob() {
        JobQueue queue = freshQueue();
        // As entries written before jobs carried a trace context: only the original five fields.
        redis.client().xadd(queue.streamKey(), XAddParams.xAddParams(),
                Map.of("id", "old", "type", "test", "payload", "{}", "attempt", "1", "enqueued", "1000"));

        Job read = queue.read("c1", 10, 0).get(0).job();
        assertThat(read).isEqualTo(new Job("old", "test", "{}", 1, 1000));
        assertThat(read.trace().present()).isFalse();
    }

    @Test
    void entriesADeadConsumerLeftPendingAreClaimedOnlyAfterTheVisibilityTimeout() {
        JobQueue queue = freshQueue();
        for (int i = 0; i < 3; i++) {
            queue.enqueue(job("j" + i));
        }
        assertThat(queue.read("dead", 10, 0)).hasSize(3);

        assertThat(queue.claimStale("alive", 60_000, 10)).isEmpty();
        List<JobQueue.Delivery> claimed = queue.claimStale("alive", 0, 10);
        assertThat(claimed).extracting(d -> d.job().id()).containsExactly("j0", "j1", "j2");
        claimed.forEach(queue::ack);
        assertThat(queue.stats(0).pending()).isZero();
    }

    @Test
    void trimmingRemovesOnlyWhatTheGroupAcknowledged() {
        JobQueue queue = freshQueue();
        for (int i = 0; i < 10; i++) {
            queue.enqueue(job("t" + i));
        }
        List<JobQueue.Delivery> read = queue.read("c1", 6, 0);
        // Acknowledge t0..t2 and t4; t3 and t5 stay pending; t6..t9 were never delivered.
        for (int i : new int[]{0, 1, 2, 4}) {
            queue.ack(read.get(i));
        }
        assertThat(queue.trimAcknowledged()).isEqualTo(3);

        assertThat(queue.stats(0).length()).isEqualTo(7);
        assertThat(queue.claimStale("c2", 0, 10)).extracting(d -> d.job().id()).containsExactly("t3", "t5");
        assertThat(queue.read("c2", 10, 0)).extracting(d -> d.job().id()).containsExactly("t6", "t7", "t8", "t9");
    }

    @Test
    void aBuriedJobKeepsItsErrorAndIsReDrivenOnceAsAFirstAttempt() {
        JobQueue queue = freshQueue();
        queue.enqueue(new Job("p", "test", "{\"poison\":true}", 5, 1000));
        JobQueue.Delivery delivery = queue.read("c1", 1, 0).get(0);
        queue.bury(delivery, "IllegalStateException: poison");

        List<JobQueue.DeadLetter> dead = queue.deadLetters(10);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).error()).isEqualTo("IllegalStateException: poison");
        assertThat(dead.get(0).job().attempt()).isEqualTo(5);
        assertThat(queue.stats(0).pending()).isZero();

        assertThat(queue.redrive(dead.get(0))).isTrue();
        assertThat(queue.redrive(dead.get(0))).isFalse();
        assertThat(queue.deadLetters(10)).isEmpty();
        assertThat(queue.read("c1", 10, 0)).extracting(JobQueue.Delivery::job)
                .containsExactly(new Job("p", "test", "{\"poison\":true}", 1, 1000));
    }

    @Test
    void aGroupLostWithRedisDataIsRecreatedOnTheNextRead() {
        JobQueue queue = freshQueue();
        redis.client().del(queue.streamKey());
        queue.enqueue(job("after-loss"));
        assertThat(queue.read("c1", 10, 0)).extracting(d -> d.job().id()).containsExactly("after-loss");
    }
}
