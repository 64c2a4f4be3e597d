package io.loomcluster.app.realtime;

import io.loomcluster.app.redis.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;

import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Cross-instance fan-out: a post publishes "roomId:messageId" on one Redis channel, and every
 * instance's subscriber signals its local waiters, which then read PostgreSQL (the source of
 * truth). When Redis is lost the subscriber reconnects with backoff; waiters re-check PostgreSQL
 * on their own every few seconds meanwhile, so nothing is missed, only delayed.
 */
public final class MessageEvents implements AutoCloseable {
    static final String CHANNEL = "loom:messages";
    private static final Logger log = LoggerFactory.getLogger(MessageEvents.class);

    private final Redis publisher;
    private final Redis subscriberClient;
    private final RoomSignals signals;
    private final BiConsumer<Long, Long> onLeave;
    private final Thread subscriberThread;
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("redis-pubsub-ping").factory());
    private volatile JedisPubSub current;
    private volatile boolean running = true;

    public MessageEvents(Redis publisher, Redis subscriberClient, RoomSignals signals, BiConsumer<Long, Long> onLeave) {
        this.publisher = publisher;
        this.subscriberClient = subscriberClient;
        this.signals = signals;
        this.onLeave = onLeave;
        this.subscriberThread = Thread.ofVirtual().name("redis-subscriber").unstarted(this::subscribeLoop);
    }

    public void start() {
        subscriberThread.start();
        // A silent network failure would leave the subscribed socket blocked forever: pings surface it.
        pinger.scheduleAtFixedRate(this::ping, 5, 5, TimeUnit.SECONDS);
    }

    /** Signals this instance at once, then tells the others; a Redis failure is logged, not thrown: the post is committed. */
    public void published(long roomId, long messageId) {
        signals.signal(roomId);
        publish("m:" + roomId + ":" + messageId);
    }

    /** A user left a room: their live connections end on every instance. */
    public void left(long roomId, long userId) {
        onLeave.accept(roomId, userId);
        publish("leave:" + roomId + ":" + userId);
    }

    private void publish(String event) {
        try {
            publisher.client().publish(CHANNEL, event);
        } catch (RuntimeException e) {
            log.warn("could not publish '{}'; other instances will catch up on their next check", event, e);
        }
    }

    private void subscribeLoop() {
        Duration backoff = Duration.ofMillis(100);
        while (running) {
            JedisPubSub pubSub = new JedisPubSub() {
                @Override
                public void onMessage(String channel, String message) {
                    onEvent(message);
                }

                @Override
                public void onSubscribe(String channel, int subscribedChannels) {
                    log.info("subscribed to {}", channel);
                }
            };
            current = pubSub;
            try {
                subscriberClient.client().subscribe(pubSub, CHANNEL);
                backoff = Duration.ofMillis(100);
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("Redis subscription lost; retrying in {} ms", backoff.toMillis(), e);
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : backoff.multipliedBy(2);
                }
            }
        }
    }

    // Events: "m:<room>:<message>" (a new message) and "leave:<room>:<user>".
    private void onEvent(String payload) {
        String[] parts = payload.split(":");
        try {
            if (parts.length == 3 && parts[0].equals("m")) {
                signals.signal(Long.parseLong(parts[1]));
                return;
            }
            if (parts.length == 3 && parts[0].equals("leave")) {
                onLeave.accept(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        log.warn("ignoring malformed event '{}' on {}", payload, CHANNEL);
    }

    private void ping() {
        JedisPubSub pubSub = current;
        if (pubSub != null && pubSub.isSubscribed()) {
            try {
                pubSub.ping();
            } catch (RuntimeException e) {
                log.warn("Redis subscription ping failed", e);
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
