package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.AfterPost;
import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * The events of live delivery across instances, on one Redis channel: a change of a room
 * ("m:roomId:position"), a new notification ("n:userId"), a user leaving a room
 * ("leave:roomId:userId"), and the ephemeral events every instance hands to its streams of the
 * room as they are: typing ("t:roomId:userId:username") and a read marker ("r:roomId:userId:upTo"). Every instance's subscriber signals its local feeds, which then read
 * PostgreSQL (the source of truth), or ends the leaver's streams. When Redis is lost the subscriber reconnects with backoff; waiters re-check PostgreSQL
 * on their own every few seconds meanwhile, so nothing is missed, only delayed.
 */
public final class LiveEvents implements Subscription.Listener, AutoCloseable {
    static final String CHANNEL = "loom:messages";
    /** How long a typing indicator holds unless renewed: clients renew at most once a second, typically every 3 s. */
    public static final long TYPING_EXPIRES_MILLIS = 5_000;
    private static final Logger log = LoggerFactory.getLogger(LiveEvents.class);

    private final Redis publisher;
    private final Signals signals;
    private final Signals users;
    private final BiConsumer<Long, Long> onLeave;
    private final LiveRooms live;
    private final Subscription subscription;

    /**
     * {@code signals} are keyed by room, {@code users} by user (notifications); {@code leaveGuarded}: a
     * cache that leaves (announced here) invalidate; it serves only while this subscription is known
     * to be up ({@link Subscription}).
     */
    public LiveEvents(Redis publisher, Redis subscriberClient, Signals signals, Signals users,
                         BiConsumer<Long, Long> onLeave, InvalidatedCache<?, ?> leaveGuarded, LiveRooms live) {
        this.publisher = publisher;
        this.live = live;
        this.signals = signals;
        this.users = users;
        this.onLeave = onLeave;
        // A silent network failure would leave the subscribed socket blocked forever: pings surface it.
        this.subscription = new Subscription(subscriberClient, CHANNEL, "redis-subscriber", Duration.ofSeconds(1), this,
                List.of(leaveGuarded));
    }

    public void start() {
        subscription.start();
    }

    /** A user left a room: their live connections end on every instance. */
    public void left(long roomId, long userId) {
        onLeave.accept(roomId, userId);
        publish("leave:" + roomId + ":" + userId);
    }

    /**
     * What a committed post announces: this instance's feed of the room at once, every other's
     * through Redis. Built before the subscription exists, like {@link #notifier}: publishing needs none.
     */
    public static AfterPost announcer(Redis publisher, Signals rooms) {
        return message -> {
            rooms.signal(message.roomId());
            publish(publisher, "m:" + message.roomId() + ":" + message.id());
        };
    }

    /**
     * What a new notification of a user announces: this instance's feeds at once, every other's
     * through Redis. Built before the subscription exists (the worker that creates notifications is
     * wired first); publishing needs none.
     */
    public static LongConsumer notifier(Redis publisher, Signals users) {
        return user -> {
            users.signal(user);
            publish(publisher, "n:" + user);
        };
    }

    /**
     * A member is typing: every instance's streams of the room are told, this one's too (through
     * Redis like the others', so the event is handed out once). Never stored; lost if Redis is away.
     */
    public void typing(long roomId, long userId, String username) {
        publisher.client().publish(CHANNEL, "t:" + roomId + ":" + userId + ":" + username);
    }

    /** The user's read marker in the room moved: their own streams of the room are told, everywhere. */
    public void read(long roomId, long userId, long upTo) {
        publish("r:" + roomId + ":" + userId + ":" + upTo);
    }

    /** A member came online or went offline in a room: called on every instance, handed to its streams here. */
    public void presence(long roomId, long userId, String username, boolean online) {
        live.broadcast(new RoomEvent.Presence(roomId, userId, username, online));
    }

    private void publish(String event) {
        publish(publisher, event);
    }

    private static void publish(Redis publisher, String event) {
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

    // Events: "m:<room>:<position>" (a change), "n:<user>" (a new notification), "leave:<room>:<user>",
    // "t:<room>:<user>:<username>" (typing) and "r:<room>:<user>:<upTo>" (a read marker).
    @Override
    public void onMessage(String payload) {
        String[] parts = payload.split(":");
        try {
            if (parts.length == 4 && parts[0].equals("t")) {
                live.broadcast(new RoomEvent.Typing(Long.parseLong(parts[1]), Long.parseLong(parts[2]), parts[3],
                        TYPING_EXPIRES_MILLIS));
                return;
            }
            if (parts.length == 4 && parts[0].equals("r")) {
                live.broadcast(new RoomEvent.Read(Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3])));
                return;
            }
            if (parts.length == 2 && parts[0].equals("n")) {
                users.signal(Long.parseLong(parts[1]));
                return;
            }
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
