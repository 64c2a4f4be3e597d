package io.loomcluster.app.sessions;

import io.loomcluster.app.redis.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this instance's {@link SessionCache} honest: subscribes to the channel on which every
 * instance announces a deleted session (logout, login rotation) and removes it from the cache.
 * The cache serves only while the subscription is known to be up: subscribed, and answering a ping
 * every second within {@link #PONG_DEADLINE}. A lost or silent subscription flushes and disables
 * the cache until it is back.
 */
public final class SessionInvalidations implements AutoCloseable {
    static final String CHANNEL = "loom:sessions:deleted";
    static final Duration PONG_DEADLINE = Duration.ofSeconds(3);
    private static final Logger log = LoggerFactory.getLogger(SessionInvalidations.class);

    private final Redis subscriberClient;
    private final SessionCache cache;
    private final Thread subscriberThread;
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("session-invalidation-ping").factory());
    private volatile JedisPubSub current;
    private volatile long lastPongNanos;
    private volatile boolean running = true;

    SessionInvalidations(Redis subscriberClient, SessionCache cache) {
        this.subscriberClient = subscriberClient;
        this.cache = cache;
        this.subscriberThread = Thread.ofVirtual().name("session-invalidations").unstarted(this::subscribeLoop);
    }

    public void start() {
        subscriberThread.start();
        pinger.scheduleAtFixedRate(this::ping, 1, 1, TimeUnit.SECONDS);
    }

    private void subscribeLoop() {
        Duration backoff = Duration.ofMillis(100);
        while (running) {
            JedisPubSub pubSub = new JedisPubSub() {
                @Override
                public void onSubscribe(String channel, int subscribedChannels) {
                    lastPongNanos = System.nanoTime();
                    cache.enable();
                    log.info("subscribed to {}: session cache on", channel);
                }

                @Override
                public void onMessage(String channel, String sessionId) {
                    cache.invalidate(sessionId);
                }

                @Override
                public void onPong(String pattern) {
                    lastPongNanos = System.nanoTime();
                    if (!cache.enabled() && running) {
                        // Everything published before this pong has been applied: safe to serve again.
                        cache.enable();
                        log.info("session invalidations answer again: session cache on");
                    }
                }
            };
            current = pubSub;
            try {
                subscriberClient.client().subscribe(pubSub, CHANNEL);
                backoff = Duration.ofMillis(100);
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("session invalidation subscription lost; session cache off, retrying in {} ms", backoff.toMillis(), e);
                }
            } finally {
                cache.disable();
            }
            if (running) {
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : backoff.multipliedBy(2);
            }
        }
    }

    private void ping() {
        if (cache.enabled() && System.nanoTime() - lastPongNanos > PONG_DEADLINE.toNanos()) {
            cache.disable();
            log.warn("session invalidations silent for over {} ms; session cache off", PONG_DEADLINE.toMillis());
        }
        JedisPubSub pubSub = current;
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.ping();
            } catch (RuntimeException e) {
                cache.disable();
                log.warn("session invalidation ping failed; session cache off", e);
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            // Reconnect backoff: there is nothing to wait on while Redis is down.
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        cache.disable();
        pinger.shutdownNow();
        JedisPubSub pubSub = current;
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.unsubscribe();
            } catch (RuntimeException e) {
                log.debug("unsubscribe failed during shutdown", e);
            }
        }
        subscriberThread.interrupt();
    }
}
