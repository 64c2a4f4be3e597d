package io.loomcluster.app.presence;

import io.loomcluster.app.errors.DomainException;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Who has a live connection to each room, across the cluster. Connections are counted here
 * ({@link LocalPresence}); one thread flushes what changed to Redis ({@link PresenceStore}) every
 * flush interval, in one script call of at most {@link #BATCH} changes, and renews this instance's
 * lease every heartbeat in one more call, which also sweeps instances whose lease ended. So the
 * Redis calls per instance per second are bounded (flushes, plus heartbeats) whatever the number
 * of connections. Each cluster-wide transition reaches {@link PresenceListener} on every instance
 * through the channel {@link PresenceStore#CHANNEL}.
 *
 * Each process registers under its instance id and a random suffix, so a restarted instance never
 * inherits the entries of the one killed before it: those are swept when its lease ends. When a
 * heartbeat finds its lease gone (swept while partitioned from Redis, or Redis lost its data) or
 * its entries miscounted, the instance writes all its entries again.
 */
public final class Presence implements Subscription.Listener, AutoCloseable {
    static final int BATCH = 2_000;
    private static final Logger log = LoggerFactory.getLogger(Presence.class);

    private final PresenceStore store;
    private final LocalPresence local;
    private final Usernames usernames;
    private final PresenceListener listener;
    private final PresenceSettings settings;
    private final Subscription subscription;
    private final ScheduledExecutorService flusher =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("presence").factory());
    // Flusher thread only.
    private boolean resync;
    private boolean lastBeatOk;
    private boolean failing;
    private volatile boolean subscribed;

    public Presence(Redis redis, Redis subscriptions, String instanceId, Usernames usernames, PresenceListener listener,
                    PresenceSettings settings) {
        this(redis, subscriptions, instanceId + ":" + UUID.randomUUID(), usernames, listener, settings,
                Clock.systemUTC(), System::nanoTime);
    }

    Presence(Redis redis, Redis subscriptions, String instance, Usernames usernames, PresenceListener listener,
             PresenceSettings settings, Clock clock, LongSupplier nanos) {
        this.store = new PresenceStore(redis, instance, clock, settings.ttl());
        this.local = new LocalPresence(nanos, settings.leaveGrace().toNanos());
        this.usernames = usernames;
        this.listener = listener;
        this.settings = settings;
        this.subscription = new Subscription(subscriptions, PresenceStore.CHANNEL, "presence-subscriber",
                Duration.ofSeconds(1), this, List.of());
        // The first heartbeat takes the lease and writes whatever connected before it.
        this.resync = true;
    }

    public void start() {
        listen();
        long flushMillis = settings.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
        flusher.scheduleWithFixedDelay(this::beat, 0, settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A live connection of the user to the room opened on this instance. */
    public void connected(long roomId, long userId) {
        local.connected(roomId, userId);
    }

    /** One closed. */
    public void disconnected(long roomId, long userId) {
        local.disconnected(roomId, userId);
    }

    /** The users with a live connection to the room anywhere; Redis away is {@link DomainException.Unavailable}. */
    public List<Long> users(long roomId) {
        try {
            return store.users(roomId);
        } catch (JedisException e) {
            throw new DomainException.Unavailable("presence is kept in Redis, which is unavailable; retry shortly",
                    Duration.ofSeconds(2));
        }
    }

    // Package-private from here: the tests drive the flusher by hand.

    /** Subscribes to the transitions, without flushing or heartbeats. */
    void listen() {
        subscription.start();
    }

    /** Sends what changed since the last flush. */
    void flush() {
        if (resync) {
            return;
        }
        List<LocalPresence.Change> changes = List.of();
        try {
            changes = local.changes(BATCH, usernames);
            if (changes.isEmpty()) {
                return;
            }
            if (store.apply(changes)) {
                local.applied(changes);
            } else {
                local.failed(changes);
                resync = true;
                resync();
            }
            recovered();
        } catch (RuntimeException e) {
            local.failed(changes);
            failed("flush presence changes", e);
        }
    }

    /** Renews the lease, sweeps dead instances (unless this one was cut off from Redis until now), repairs this one's entries. */
    void beat() {
        try {
            if (resync) {
                resync();
            }
            PresenceStore.Beat beat = store.beat(local.announced(), lastBeatOk);
            lastBeatOk = true;
            if (beat.swept() > 0) {
                log.info("swept the presence of {} instance(s) whose lease ended", beat.swept());
            }
            if (!beat.consistent()) {
                log.warn("this instance's presence in Redis was lost or miscounted; writing all its entries again");
                resync = true;
                resync();
            }
            recovered();
        } catch (RuntimeException e) {
            // After a gap every instance gets one heartbeat to renew before this one sweeps anyone.
            lastBeatOk = false;
            failed("renew the presence lease", e);
        }
    }

    private void resync() {
        List<LocalPresence.Change> all = local.everything(usernames);
        store.reset(all);
        local.reset(all);
        resync = false;
    }

    private void recovered() {
        if (failing) {
            failing = false;
            log.info("presence is written to Redis again");
        }
    }

    private void failed(String what, RuntimeException e) {
        if (!failing) {
            failing = true;
            log.warn("could not {}; retrying (connections are unaffected)", what, e);
        }
    }

    int pending() {
        return local.pending();
    }

    /** Whether transitions reach this instance's listener now. */
    boolean subscribed() {
        return subscribed;
    }

    @Override
    public void onSubscribed() {
        // Transitions published while unsubscribed are not replayed; GET presence reads Redis, the truth.
        subscribed = true;
    }

    @Override
    public void onLost() {
        subscribed = false;
    }

    // Lines "j:room:user:username" (joined) and "l:room:user:username" (left).
    @Override
    public void onMessage(String payload) {
        for (String line : payload.split("\n")) {
            String[] parts = line.split(":", 4);
            try {
                if (parts.length == 4 && (parts[0].equals("j") || parts[0].equals("l"))) {
                    listener.changed(Long.parseLong(parts[1]), Long.parseLong(parts[2]), parts[3], parts[0].equals("j"));
                    continue;
                }
            } catch (NumberFormatException e) {
                // reported below
            } catch (RuntimeException e) {
                log.warn("presence listener failed on '{}'", line, e);
                continue;
            }
            log.warn("ignoring malformed presence event '{}'", line);
        }
    }

    /** Stops flushing and removes this instance's entries, so its users leave at once (unless connected elsewhere). */
    @Override
    public void close() {
        flusher.shutdownNow();
        try {
            flusher.awaitTermination(2, TimeUnit.SECONDS);
            store.withdraw();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("could not withdraw this instance's presence; it is swept within {}", settings.bound(), e);
        }
        subscription.close();
    }
}
