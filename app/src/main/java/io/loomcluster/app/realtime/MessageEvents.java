package io.loomcluster.app.realtime;

import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Cross-instance fan-out: a post publishes "roomId:messageId" on one Redis channel, and every
 * instance's subscriber signals its local waiters, which then read PostgreSQL (the source of
 * truth). When Redis is lost the subscriber reconnects with backoff; waiters re-check PostgreSQL
 * on their own every few seconds meanwhile, so nothing is missed, only delayed.
 */
public final class MessageEvents implements Subscription.Listener, AutoCloseable {
    static final String CHANNEL = "loom:messages";
    private static final Logger log = LoggerFactory.getLogger(MessageEvents.class);

    private final Redis publisher;
    private final RoomSignals signals;
    private final BiConsumer<Long, Long> onLeave;
    private final Subscription subscription;

    /**
     * {@code leaveGuarded}: a cache that leaves (announced here) invalidate; it serves only while this
     * subscription is known to be up ({@link Subscription}).
     */
    public MessageEvents(Redis publisher, Redis subscriberClient, RoomSignals signals, BiConsumer<Long, Long> onLeave,
                         InvalidatedCache<?, ?> leaveGuarded) {
        this.publisher = publisher;
        this.signals = signals;
        this.onLeave = onLeave;
        // A silent network failure would leave the subscribed socket blocked forever: pings surface it.
        this.subscription = new Subscription(subscriberClient, CHANNEL, "redis-subscriber", Duration.ofSeconds(1), this,
                List.of(leaveGuarded));
    }

    public void start() {
        subscription.start();
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

    @Override
    public void onSubscribed() {
        // Nothing to catch up on: the feeds re-check PostgreSQL on their own.
    }

    // Events: "m:<room>:<message>" (a new message) and "leave:<room>:<user>".
    @Override
    public void onMessage(String payload) {
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

    @Override
    public void close() {
        subscription.close();
    }
}
