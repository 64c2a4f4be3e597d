package io.loomcluster.app.jobs;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.contract.Names;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Relays on several instances race over one outbox: each row reaches the stream once and leaves the table. */
class OutboxRelayRaceTest {
    private final Redis redis = RealServices.shared().redis;
    private final Sql sql = RealServices.shared().sql;

    @Test
    void concurrentRelaysMoveEveryRowExactlyOnce() throws Exception {
        int rows = 2000;
        sql.transaction(tx -> {
            for (int i = 0; i < rows; i++) {
                OutboxRelay.add(tx, "race:" + i, "race", "{\"n\":" + i + "}");
            }
            // The same job id twice in the outbox is one row.
            OutboxRelay.add(tx, "race:0", "race", "{}");
            return null;
        });
        JobQueue queue = new JobQueue(redis.client(), "race");
        queue.ensureGroup();
        List<OutboxRelay> relays = List.of(
                new OutboxRelay(sql, Map.of("race", queue), 37, Duration.ofSeconds(1)),
                new OutboxRelay(sql, Map.of("race", queue), 50, Duration.ofSeconds(1)),
                new OutboxRelay(sql, Map.of("race", queue), 64, Duration.ofSeconds(1)));
        CountDownLatch go = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> moved = new ArrayList<>();
            for (OutboxRelay relay : relays) {
                moved.add(pool.submit(() -> {
                    go.await();
                    int total = 0;
                    int n;
                    do {
                        n = relay.relayOnce();
                        total += n;
                    } while (n > 0);
                    return total;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : moved) {
                total += f.get();
            }
            assertThat(total).isEqualTo(rows);
        }
        assertThat(sql.one("select count(*) from job_outbox", rs -> rs.getLong(1)).orElseThrow()).isZero();
        Set<String> ids = new HashSet<>();
        List<JobQueue.Delivery> all = queue.read("check", rows + 10, 0);
        all.forEach(d -> ids.add(d.job().id()));
        assertThat(all).hasSize(rows);
        assertThat(ids).hasSize(rows);
    }

    @Test
    void aRowWhoseStreamWriteFailsStaysInTheOutbox() {
        sql.transaction(tx -> {
            OutboxRelay.add(tx, "broken:1", "broken", "{}");
            return null;
        });
        // The stream key holds a string: XADD fails, the transaction rolls back, the row stays.
        redis.client().set(Names.jobStream("broken"), "not a stream");
        OutboxRelay relay = new OutboxRelay(sql, Map.of("broken", new JobQueue(redis.client(), "broken")), 10, Duration.ofSeconds(1));
        try {
            relay.relayOnce();
        } catch (RuntimeException expected) {
            // WRONGTYPE
        }
        assertThat(sql.exists("select 1 from job_outbox where job_id = 'broken:1'")).isTrue();
        redis.client().del(Names.jobStream("broken"));
        assertThat(relay.relayOnce()).isEqualTo(1);
        assertThat(sql.exists("select 1 from job_outbox where job_id = 'broken:1'")).isFalse();
    }
}
