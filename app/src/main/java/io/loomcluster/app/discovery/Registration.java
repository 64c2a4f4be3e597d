package io.loomcluster.app.discovery;

import io.loomcluster.app.config.Roles;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.contract.Names;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Announces this instance to balancers using Redis discovery: a member of the sorted set
 * {@code loom:lb:backends} (read by a balancer's default pool) and of
 * {@code loom:lb:backends:<role>} for each HTTP role it serves (read by the pool of that name),
 * whose score is its expiry (epoch ms), refreshed every 2 s with a 10 s lease and removed at
 * shutdown. An instance that dies silently drops out when its lease ends.
 */
public final class Registration implements AutoCloseable {
    public static final String KEY = Names.BACKENDS_KEY;
    private static final Logger log = LoggerFactory.getLogger(Registration.class);
    private static final long LEASE_MILLIS = 10_000;

    private final Redis redis;
    private final String url;
    private final List<String> keys;
    private final Clock clock;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("registration-heartbeat").factory());
    private volatile boolean registered;

    public Registration(Redis redis, String url, Roles roles, Clock clock) {
        this.redis = redis;
        this.url = url;
        this.clock = clock;
        List<String> keys = new ArrayList<>();
        for (Roles.Role role : Roles.Role.values()) {
            if (role.http() && roles.has(role)) {
                keys.add(Names.backendsKey(role.text()));
            }
        }
        if (!keys.isEmpty()) {
            keys.add(0, KEY);
        }
        this.keys = List.copyOf(keys);
    }

    /** The discovery keys this instance registers under (none for a worker-only instance). */
    public List<String> keys() {
        return keys;
    }

    public void start() {
        if (keys.isEmpty()) {
            log.info("no HTTP role (ROLE); not registering for balancers");
            return;
        }
        heartbeat.scheduleWithFixedDelay(this::beat, 0, 2, TimeUnit.SECONDS);
    }

    private void beat() {
        try {
            long now = clock.millis();
            for (String key : keys) {
                redis.client().zadd(key, now + LEASE_MILLIS, url);
                redis.client().zremrangeByScore(key, Double.NEGATIVE_INFINITY, now);
            }
            if (!registered) {
                registered = true;
                log.info("registered {} in {}", url, keys);
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
            for (String key : keys) {
                redis.client().zrem(key, url);
            }
            log.info("deregistered {} from {}", url, keys);
        } catch (RuntimeException e) {
            log.warn("could not deregister {}; its lease expires within {} ms", url, LEASE_MILLIS, e);
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
    }
}
