package io.loomcluster.app.redis;

import io.loomcluster.contract.Pause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Redis channel subscribed for as long as the process runs: a virtual thread blocks in
 * SUBSCRIBE and re-subscribes with backoff (100 ms doubling to 2 s) when the connection is lost; a
 * platform thread pings the subscribed connection every {@code pingEvery}, so that a silent network
 * failure surfaces.
 *
 * Caches whose invalidations arrive on the channel ({@code guarded}) serve only while the
 * subscription is known to be up: enabled (empty) once subscribed, disabled (flushed) when the
 * subscription is lost or its last pong is older than {@link #PONG_DEADLINE}, enabled again at the
 * next pong (everything published before it has then been applied).
 */
public final class Subscription implements AutoCloseable {
    /** Callbacks, on the subscriber's thread. */
    public interface Listener {
        void onSubscribed();

        void onMessage(String message);

        /** The subscription ended (connection lost, or closing); a re-subscription follows unless closing. */
        default void onLost() {
        }

    }

    public static final Duration PONG_DEADLINE = Duration.ofSeconds(3);

    private static final Logger log = LoggerFactory.getLogger(Subscription.class);

    private final Redis client;
    private final String channel;
    private final Listener listener;
    private final Duration pingEvery;
    private final List<InvalidatedCache<?, ?>> guarded;
    private volatile long lastPongNanos;
    private final Thread subscriber;
    private final ScheduledExecutorService pinger;
    private volatile JedisPubSub current;
    private volatile boolean running = true;

    public Subscription(Redis client, String channel, String name, Duration pingEvery, Listener listener,
                        List<InvalidatedCache<?, ?>> guarded) {
        this.client = client;
        this.guarded = List.copyOf(guarded);
        this.channel = channel;
        this.listener = listener;
        this.pingEvery = pingEvery;
        this.subscriber = Thread.ofVirtual().name(name).unstarted(this::subscribeLoop);
        this.pinger = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(name + "-ping").factory());
    }

    public void start() {
        subscriber.start();
        pinger.scheduleAtFixedRate(this::ping, pingEvery.toMillis(), pingEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void subscribeLoop() {
        Duration backoff = Duration.ofMillis(100);
        while (running) {
            JedisPubSub pubSub = new JedisPubSub() {
                @Override
                public void onSubscribe(String channel, int subscribedChannels) {
                    log.info("subscribed to {}", channel);
                    lastPongNanos = System.nanoTime();
                    guarded.forEach(InvalidatedCache::enable);
                    listener.onSubscribed();
                }

                @Override
                public void onMessage(String channel, String message) {
                    listener.onMessage(message);
                }

                @Override
                public void onPong(String pattern) {
                    lastPongNanos = System.nanoTime();
                    if (running) {
                        guarded.stream().filter(c -> !c.enabled()).forEach(InvalidatedCache::enable);
                    }
                }
            };
            current = pubSub;
            try {
                client.client().subscribe(pubSub, channel);
                backoff = Duration.ofMillis(100);
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("Redis subscription to {} lost; retrying in {} ms", channel, backoff.toMillis(), e);
                }
            } finally {
                guarded.forEach(InvalidatedCache::disable);
                listener.onLost();
            }
            if (running) {
                // Reconnect back-off: there is nothing to wait on while Redis is down.
                Pause.sleep(backoff);
                backoff = Pause.doubled(backoff, Duration.ofSeconds(2));
            }
        }
    }

    private void ping() {
        if (System.nanoTime() - lastPongNanos > PONG_DEADLINE.toNanos() && guarded.stream().anyMatch(InvalidatedCache::enabled)) {
            guarded.forEach(InvalidatedCache::disable);
            log.warn("{} silent for over {} ms; its caches are off until it answers", channel, PONG_DEADLINE.toMillis());
        }
        JedisPubSub pubSub = current;
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.ping();
            } catch (RuntimeException e) {
                log.warn("Redis subscription ping on {} failed", channel, e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        guarded.forEach(InvalidatedCache::disable);
        pinger.shutdownNow();
        JedisPubSub pubSub = current;
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.unsubscribe();
            } catch (RuntimeException e) {
                log.debug("unsubscribe failed during shutdown", e);
            }
        }
        subscriber.interrupt();
    }
}
