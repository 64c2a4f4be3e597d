package io.loomcluster.testing.ha;

import io.loomcluster.testing.Await;
import io.loomcluster.testing.Folders;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The replicated back end of a cluster: a Redis master, replica and three sentinels, and a
 * PostgreSQL primary with a synchronous standby, every process on its own loopback address
 * (127.0.0.21-25 for Redis, 127.0.0.31-32 for PostgreSQL) so that partitions can cut any link.
 * None of them is a child that dies with this JVM (PostgreSQL detaches, Redis outlives its parent):
 * {@link #close()} stops them all, and a shutdown hook does it should the JVM end first.
 */
public final class HaServices implements AutoCloseable {
    public static final List<String> REDIS_HOSTS = List.of("127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.25");
    public static final String POSTGRES_PRIMARY_HOST = "127.0.0.31";
    public static final String POSTGRES_STANDBY_HOST = "127.0.0.32";

    private final RedisSentinelGroup redis;
    private final PostgresStandbyPair postgres;
    private final Thread hook = new Thread(this::stopAll, "ha-services-stop");
    private final AtomicBoolean closed = new AtomicBoolean();

    private HaServices(RedisSentinelGroup redis, PostgresStandbyPair postgres) {
        this.redis = redis;
        this.postgres = postgres;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Null when this machine can run them; else why not. */
    public static String unavailableBecause() {
        return RedisSentinelGroup.available() ? null
                : "the HA fixture needs redis-server, redis-sentinel and redis-cli on the PATH (Debian: apt-get install redis-server redis-sentinel)";
    }

    /** {@code downAfter}: how long the sentinels wait before they call a silent master down. */
    public static HaServices start(Path dir, Duration downAfter) {
        // A fresh start: data, WAL and sentinel state of an earlier run in the same folder would be taken up again.
        Folders.delete(dir);
        RedisSentinelGroup redis = RedisSentinelGroup.start(dir.resolve("redis"), REDIS_HOSTS, downAfter);
        try {
            return new HaServices(redis, PostgresStandbyPair.start(dir.resolve("postgres"), POSTGRES_PRIMARY_HOST,
                    POSTGRES_STANDBY_HOST, PostgresStandbyPair.Commit.SYNCHRONOUS));
        } catch (RuntimeException | Error e) {
            redis.close();
            throw e;
        }
    }

    public RedisSentinelGroup redis() {
        return redis;
    }

    public PostgresStandbyPair postgres() {
        return postgres;
    }

    /**
     * Waits until both services serve as they did when started (Redis: one master named by every
     * sentinel, its replica in sync; PostgreSQL: the standby streaming), or fails saying which did not.
     */
    public void awaitHealthy(Duration timeout) {
        Await.until("Redis: every sentinel naming one master with its replica in sync", timeout, redis::healthy);
        Await.until("PostgreSQL: the standby streaming from the primary", timeout, postgres::healthy);
    }

    /** What points a process at the sentinels' master. */
    public Map<String, String> redisEnv() {
        return Map.of("REDIS_SENTINELS", redis.sentinelsValue(), "REDIS_SENTINEL_MASTER", RedisSentinelGroup.MASTER_NAME);
    }

    public Map<String, String> appEnv() {
        return Map.of("DATABASE_URL", postgres.jdbcUrl(), "DATABASE_USER", postgres.user(),
                "REDIS_SENTINELS", redis.sentinelsValue(), "REDIS_SENTINEL_MASTER", RedisSentinelGroup.MASTER_NAME);
    }


    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook stops them
        }
    }

    private void stopAll() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            redis.close();
        } finally {
            postgres.close();
        }
    }
}
