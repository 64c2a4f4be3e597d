package io.loomcluster.app.health;

import io.loomcluster.app.db.Database;
import io.loomcluster.app.redis.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Whether this instance should get traffic: PostgreSQL and Redis reachable and not draining.
 * Checked in the background once a second, so that probes answer at once and cannot pile up on a
 * saturated pool; state changes are logged.
 */
public final class Readiness implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Readiness.class);

    public record State(boolean postgres, boolean redis, boolean draining) {
        public boolean ready() {
            return postgres && redis && !draining;
        }
    }

    private final Database database;
    private final Redis redis;
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("readiness-check").factory());
    private volatile State state = new State(false, false, false);

    public Readiness(Database database, Redis redis) {
        this.database = database;
        this.redis = redis;
    }

    public void start() {
        check();
        checker.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
    }

    public State state() {
        return state;
    }

    public void startDraining() {
        update(new State(state.postgres(), state.redis(), true));
    }

    private void check() {
        try {
            update(new State(database.isReachable(), redis.isReachable(), state.draining()));
        } catch (RuntimeException e) {
            log.warn("readiness check failed", e);
        }
    }

    private void update(State next) {
        State previous = state;
        state = next;
        if (!previous.equals(next)) {
            log.info("readiness: postgres={} redis={} draining={} -> {}", next.postgres() ? "up" : "down",
                    next.redis() ? "up" : "down", next.draining(), next.ready() ? "ready" : "not ready");
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
