package io.loomcluster.app.sessions;

import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.Subscription;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps this instance's session cache honest: subscribes to the channel on which every instance
 * announces a deleted session (logout, login rotation) and removes it from the cache, which serves
 * only while the subscription is known to be up ({@link Subscription}); then tells {@code onDeleted}.
 */
final class SessionInvalidations implements Subscription.Listener, AutoCloseable {
    static final String CHANNEL = "loom:sessions:deleted";

    private final InvalidatedCache<String, Session> cache;
    private final Consumer<String> onDeleted;
    private final Subscription subscription;

    SessionInvalidations(Redis subscriberClient, InvalidatedCache<String, Session> cache, Consumer<String> onDeleted) {
        this.cache = cache;
        this.onDeleted = onDeleted;
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
        onDeleted.accept(sessionId);
    }

    @Override
    public void close() {
        subscription.close();
    }
}
