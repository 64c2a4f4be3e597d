package io.loomcluster.app.discovery;

import io.loomcluster.app.redis.Redis;
import io.loomcluster.contract.Names;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Announces this instance to balancers using Redis discovery: a member of the sorted set
 * {@code loom:lb:backends} whose score is its expiry (epoch ms), refreshed every 2 s with a 10 s
 * lease and removed at shutdown. An instance that dies silently drops out when its lease ends.
 */
public final class Registration implements AutoCloseable {
    public static final String KEY = Names.BACKENDS_KEY;
    private static final Logger log = LoggerFactory.getLogger(Registration.class);
    private static final long LEASE_MILLIS = 10_000;

    private final Redis redis;
    private final String url;
    private final Clock clock;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("registration-heartbeat").factory());
    private volatile boolean registered;

    public Registration(Redis redis, String url, Clock clock) {
        this.redis = redis;
        this.url = url;
        this.clock = clock;
    }

    public void start() {
        heartbeat.scheduleWithFixedDelay(this::beat, 0, 2, TimeUnit.SECONDS);
    }

    private void beat() {
        try {
            long now = clock.millis();
            redis.client().zadd(KEY, now + LEASE_MILLIS, url);
            redis.client().zremrangeByScore(KEY, Double.NEGATIVE_INFINITY, now);
            if (!registered) {
                registered = true;
                log.info("registered {} in {}", url, KEY);
            }
        } catch (RuntimeException e) {
            if (registered) {
                log.warn("registration heartbeat for {} failed; will retry", url, e);
            }
            registered = false;
        }
    }

    /** Stops heartbeats and withdraws the lease, so balancers stop routing here before the server stops. */
    public void withdraw() {
        heartbeat.shutdownNow();
        try {
            redis.client().zrem(KEY, url);
            log.info("deregistered {} from {}", url, KEY);
        } catch (RuntimeException e) {
            log.warn("could not deregister {}; its lease expires within {} ms", url, LEASE_MILLIS, e);
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
    }
}
