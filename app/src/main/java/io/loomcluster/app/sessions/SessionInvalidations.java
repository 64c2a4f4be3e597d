package io.loomcluster.app.sessions;

import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.Subscription;

import java.time.Duration;
import java.util.List;

/**
 * Keeps this instance's session cache honest: subscribes to the channel on which every instance
 * announces a deleted session (logout, login rotation) and removes it from the cache, which serves
 * only while the subscription is known to be up ({@link Subscription}).
 */
final class SessionInvalidations implements Subscription.Listener, AutoCloseable {
    static final String CHANNEL = "loom:sessions:deleted";

    private final InvalidatedCache<String, Session> cache;
    private final Subscription subscription;

    SessionInvalidations(Redis subscriberClient, InvalidatedCache<String, Session> cache) {
        this.cache = cache;
        this.subscription = new Subscription(subscriberClient, CHANNEL, "session-invalidations", Duration.ofSeconds(1),
                this, List.of(cache));
    }

    void start() {
        subscription.start();
    }

    @Override
    public void onSubscribed() {
        // The cache is enabled by the subscription itself.
    }

    @Override
    public void onMessage(String sessionId) {
        cache.invalidate(sessionId);
    }

    @Override
    public void close() {
        subscription.close();
    }
}
