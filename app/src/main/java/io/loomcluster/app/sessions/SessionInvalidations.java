package io.loomcluster.app.sessions;

import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Keeps this instance's {@link InvalidatedCache} honest: subscribes to the channel on which every
 * instance announces a deleted session (logout, login rotation) and removes it from the cache.
 * The cache serves only while the subscription is known to be up: subscribed, and answering a ping
 * every second within {@link #PONG_DEADLINE}. A lost or silent subscription flushes and disables
 * the cache until it is back.
 */
final class SessionInvalidations implements Subscription.Listener, AutoCloseable {
    static final String CHANNEL = "loom:sessions:deleted";
    static final Duration PONG_DEADLINE = Duration.ofSeconds(3);
    private static final Logger log = LoggerFactory.getLogger(SessionInvalidations.class);

    private final InvalidatedCache<String, Session> cache;
    private final Subscription subscription;
    private volatile long lastPongNanos;
    private volatile boolean running = true;

    SessionInvalidations(Redis subscriberClient, InvalidatedCache<String, Session> cache) {
        this.cache = cache;
        this.subscription = new Subscription(subscriberClient, CHANNEL, "session-invalidations", Duration.ofSeconds(1), this);
    }

    void start() {
        subscription.start();
    }

    @Override
    public void onSubscribed() {
        lastPongNanos = System.nanoTime();
        cache.enable();
    }

    @Override
    public void onMessage(String sessionId) {
        cache.invalidate(sessionId);
    }

    @Override
    public void onLost() {
        cache.disable();
    }

    @Override
    public void onPong() {
        lastPongNanos = System.nanoTime();
        if (!cache.enabled() && running) {
            // Everything published before this pong has been applied: safe to serve again.
            cache.enable();
            log.info("session invalidations answer again: session cache on");
        }
    }

    @Override
    public void onTick() {
        if (cache.enabled() && System.nanoTime() - lastPongNanos > PONG_DEADLINE.toNanos()) {
            cache.disable();
            log.warn("session invalidations silent for over {} ms; session cache off", PONG_DEADLINE.toMillis());
        }
    }

    @Override
    public void close() {
        running = false;
        cache.disable();
        subscription.close();
    }
}
