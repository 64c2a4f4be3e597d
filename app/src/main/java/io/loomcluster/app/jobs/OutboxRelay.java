package io.loomcluster.app.jobs;

import io.loomcluster.app.db.Sql;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Moves committed jobs from the outbox table to their streams. Rows are locked with
 * {@code FOR UPDATE SKIP LOCKED}, so relays on several instances never take the same row; a row is
 * deleted in the same transaction only after its {@code XADD} returned, so a crash in between relays
 * it again (handlers are idempotent by job id). Woken by local posts, and polls so that rows left by
 * an instance killed between commit and relay are relayed by any other.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final String TAKE = """
            select id, job_id, type, payload, (extract(epoch from created_at) * 1000)::bigint, traceparent, tracestate
            from job_outbox order by id limit ? for update skip locked
            """;
    private static final String DELETE = "delete from job_outbox where id = any(?)";
    private static final String INSERT = """
            insert into job_outbox (job_id, type, payload, traceparent, tracestate) values (?, ?, ?, ?, ?)
            on conflict (job_id) do nothing
            """;

    private record Row(long id, Job job) {
    }

    /**
     * How many Redis replicas must confirm a relayed batch before its rows are deleted (0: none, for
     * a single Redis). Replication is asynchronous: without this, a master killed after an
     * {@code XADD} but before its replica copied it would take the jobs with it, outbox row already gone.
     */
    public record Replication(int replicas, Duration timeout) {
        public static final Replication NONE = new Replication(0, Duration.ZERO);
    }

    private final Sql sql;
    private final Map<String, JobQueue> queues;
    private final int batch;
    private final Duration pollInterval;
    private final Semaphore wakeups = new Semaphore(0);
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile boolean failing;

    private final Replication replication;

    public OutboxRelay(Sql sql, Map<String, JobQueue> queues, int batch, Duration pollInterval) {
        this(sql, queues, batch, pollInterval, Replication.NONE);
    }

    public OutboxRelay(Sql sql, Map<String, JobQueue> queues, int batch, Duration pollInterval, Replication replication) {
        this.sql = sql;
        this.replication = replication;
        this.queues = Map.copyOf(queues);
        this.batch = batch;
        this.pollInterval = pollInterval;
    }

    /**
     * Adds a job to the outbox inside the caller's transaction, with the trace context of the work
     * that creates it; a job id already there is not added twice.
     */
    public static void add(Sql.Transaction tx, String jobId, String type, String payload) {
        TraceContext trace = TraceContext.current(tx);
        tx.update(INSERT, jobId, type, payload, trace.traceparent(), trace.tracestate());
    }

    public OutboxRelay start() {
        thread = Thread.ofVirtual().name("outbox-relay").start(this::loop);
        return this;
    }

    /** Asks the relay to run now (after a local commit that added jobs). Never blocks. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    private void loop() {
        while (stopping.getCount() > 0) {
            try {
                wakeups.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
                while (stopping.getCount() > 0 && relayOnce() == batch) {
                    // a full batch: there may be more
                }
                if (failing) {
                    log.info("outbox relay: relaying again");
                }
                failing = false;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!failing) {
                    log.warn("outbox relay: {}; the rows stay in the outbox and are retried", e.toString());
                }
                failing = true;
            }
        }
    }

    /** Relays up to one batch; returns how many rows it moved. */
    public int relayOnce() {
        return sql.transaction(tx -> {
            List<Row> rows = tx.query(TAKE, rs -> new Row(rs.getLong(1), new Job(rs.getString(2), rs.getString(3),
                    rs.getString(4), 1, rs.getLong(5), new TraceContext(rs.getString(6), rs.getString(7)))), batch);
            List<Long> ids = new ArrayList<>(rows.size());
            Map<String, List<Job>> byType = new java.util.HashMap<>();
            for (Row row : rows) {
                if (!queues.containsKey(row.job().type())) {
                    log.error("outbox relay: row {} has unknown job type '{}'; left in the outbox", row.id(), row.job().type());
                    continue;
                }
                byType.computeIfAbsent(row.job().type(), t -> new ArrayList<>()).add(row.job());
                ids.add(row.id());
            }
            // One pipelined round trip per type; if it fails (or is not replicated in time) the transaction
            // rolls back and every row stays, to be relayed again: a job may then be in its stream twice,
            // which its handler's idempotence by job id absorbs.
            byType.forEach((type, jobs) -> queues.get(type).enqueueAll(jobs, replication.replicas(),
                    replication.timeout().toMillis()));
            if (!ids.isEmpty()) {
                tx.update(DELETE, Sql.bigints(ids));
            }
            return rows.size();
        });
    }

    @Override
    public void close() {
        stopping.countDown();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
