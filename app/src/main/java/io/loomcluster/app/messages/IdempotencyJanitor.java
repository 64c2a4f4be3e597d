package io.loomcluster.app.messages;

import io.loomcluster.app.db.Sql;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Forgets idempotency keys older than their retention, in small batches, so the table stays
 * bounded. Every instance runs it; concurrent deletes of the same rows are harmless.
 */
public final class IdempotencyJanitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyJanitor.class);
    private static final String DELETE = """
            delete from idempotency_keys where ctid in (
                select ctid from idempotency_keys where created_at < now() - make_interval(secs => ?) limit 1000)
            """;

    private final Sql sql;
    private final Duration retention;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("idempotency-janitor").factory());

    public IdempotencyJanitor(Sql sql, Duration retention) {
        this.sql = sql;
        this.retention = retention;
    }

    public void start() {
        scheduler.scheduleWithFixedDelay(this::sweep, 1, 10, TimeUnit.MINUTES);
    }

    private void sweep() {
        try {
            int deleted;
            do {
                deleted = sql.update(DELETE, retention.toSeconds());
            } while (deleted == 1000);
        } catch (RuntimeException e) {
            log.warn("could not forget expired idempotency keys; will retry", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
