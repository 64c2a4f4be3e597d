package io.loomcluster.app.presence;

import io.loomcluster.app.errors.DomainException;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.EmbeddedServices;
import io.loomcluster.testing.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two {@link Presence} objects on one real Redis act as two instances; the tests drive their
 * flushes and heartbeats by hand, on a clock (leases) and a ticker (leave grace) of their own.
 */
class PresenceTest {
    private static final String PASSWORD = "presence-test";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final PresenceSettings SETTINGS = new PresenceSettings(Duration.ofMillis(200), Duration.ofSeconds(5),
            Duration.ofSeconds(15), Duration.ofSeconds(2));
    private static final Usernames NAMES = ids -> {
        Map<Long, String> names = new HashMap<>();
        ids.forEach(id -> names.put(id, "user" + id));
        return names;
    };
    private static int port;
    private static RedisServer server;
    private static Redis redis;
    private static Redis subscriptions;

    private final MutableClock clock = new MutableClock();
    private final AtomicLong ticker = new AtomicLong();
    private final List<Presence> started = new ArrayList<>();
    private final BlockingQueue<String> seenByA = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> seenByB = new LinkedBlockingQueue<>();
    private Presence a;
    private Presence b;

    @BeforeAll
    static void redis() {
        port = FreePorts.pick();
        server = EmbeddedServices.redisRequiringPassword(port, PASSWORD);
        URI uri = URI.create("redis://:" + PASSWORD + "@127.0.0.1:" + port);
        redis = Redis.connect(uri);
        subscriptions = Redis.connectForSubscriptions(uri);
    }

    @AfterAll
    static void stop() throws Exception {
        subscriptions.close();
        redis.close();
        server.stop();
    }

    @BeforeEach
    void twoInstances() {
        // Right after the outage test the pool may still hold a dead connection or two.
        Await.until("Redis to answer", WAIT, () -> "OK".equals(redis.client().flushAll()));
        a = instance("a", seenByA);
        b = instance("b", seenByB);
        a.beat();
        b.beat();
    }

    @AfterEach
    void close() {
        started.forEach(Presence::close);
    }

    private Presence instance(String name, BlockingQueue<String> seen) {
        Presence p = new Presence(redis, subscriptions, name, NAMES,
                (room, user, username, online) -> seen.add((online ? "join " : "leave ") + room + " " + username),
                SETTINGS, clock, ticker::get);
        started.add(p);
        p.listen();
        Await.until(name + " to subscribe to presence transitions", WAIT, p::subscribed);
        return p;
    }

    @Test
    void severalConnectionsOfOneUserJoinOnceAndLeaveOnceWhenTheLastClosesAndTheGracePassed() {
        a.connected(1, 10);
        a.connected(1, 10);
        a.connected(1, 10);
        a.flush();
        assertThat(a.users(1)).containsExactly(10L);
        assertThat(next(seenByA)).isEqualTo("join 1 user10");
        assertThat(next(seenByB)).isEqualTo("join 1 user10");

        a.disconnected(1, 10);
        a.disconnected(1, 10);
        a.flush();
        a.disconnected(1, 10);
        a.flush();
        // A reload or a re-issued long-poll is no leave: the user stays for the grace.
        assertThat(b.users(1)).containsExactly(10L);
        ticker.addAndGet(SETTINGS.leaveGrace().toNanos());
        a.flush();
        assertThat(b.users(1)).isEmpty();
        // Nothing came between the join and this leave on either instance.
        assertThat(next(seenByA)).isEqualTo("leave 1 user10");
        assertThat(next(seenByB)).isEqualTo("leave 1 user10");
    }

    @Test
    void aUserOnTwoInstancesLeavesOnlyWhenBothConnectionsAreGone() {
        a.connected(1, 10);
        a.flush();
        b.connected(1, 10);
        b.flush();
        assertThat(a.users(1)).containsExactly(10L);

        a.disconnected(1, 10);
        ticker.addAndGet(SETTINGS.leaveGrace().toNanos());
        a.flush();
        assertThat(a.users(1)).containsExactly(10L);
        b.disconnected(1, 10);
        ticker.addAndGet(SETTINGS.leaveGrace().toNanos());
        b.flush();
        assertThat(a.users(1)).isEmpty();
        assertThat(next(seenByB)).isEqualTo("join 1 user10");
        assertThat(next(seenByB)).isEqualTo("leave 1 user10");
    }

    @Test
    void aConnectionOpenedAndClosedBetweenTwoFlushesCostsRedisNothing() {
        a.connected(2, 20);
        a.disconnected(2, 20);
        ticker.addAndGet(SETTINGS.leaveGrace().toNanos());
        a.flush();
        assertThat(a.pending()).isZero();
        assertThat(redis.client().exists("loom:presence:room:2")).isFalse();
        a.connected(2, 21);
        a.flush();
        // The first transition either instance sees is the later join.
        assertThat(next(seenByB)).isEqualTo("join 2 user21");
    }

    @Test
    void aSilentInstanceIsSweptAfterItsLeaseAndItsUsersLeaveEverywhere() {
        a.connected(3, 30);
        a.connected(3, 31);
        b.connected(3, 31);
        b.connected(3, 32);
        a.flush();
        b.flush();
        assertThat(b.users(3)).containsExactlyInAnyOrder(30L, 31L, 32L);
        // The joins arrive over Redis pub/sub, after the writes: take them before looking for the leave.
        assertThat(List.of(next(seenByB), next(seenByB), next(seenByB)))
                .containsExactlyInAnyOrder("join 3 user30", "join 3 user31", "join 3 user32");

        // a stops beating; b renews and, once a's lease has ended, sweeps it.
        clock.advance(SETTINGS.ttl().plusMillis(1));
        b.beat();
        assertThat(b.users(3)).containsExactlyInAnyOrder(31L, 32L);
        assertThat(next(seenByB)).isEqualTo("leave 3 user30");
        assertThat(redis.client().exists("loom:presence:instance:a")).isFalse();
    }

    @Test
    void aSweptInstanceWritesItsEntriesAgainWhenItNotices() {
        a.connected(4, 40);
        a.flush();
        clock.advance(SETTINGS.ttl().plusMillis(1));
        b.beat();
        assertThat(b.users(4)).isEmpty();
        assertThat(List.of(next(seenByB), next(seenByB))).containsExactly("join 4 user40", "leave 4 user40");

        // Its next flush finds its lease gone: it takes a new one and writes all it holds.
        a.connected(4, 41);
        a.flush();
        assertThat(b.users(4)).containsExactlyInAnyOrder(40L, 41L);
        assertThat(List.of(next(seenByB), next(seenByB))).containsExactlyInAnyOrder("join 4 user40", "join 4 user41");

        // And a heartbeat that finds it gone does the same.
        clock.advance(SETTINGS.ttl().plusMillis(1));
        b.beat();
        assertThat(b.users(4)).isEmpty();
        a.beat();
        assertThat(b.users(4)).containsExactlyInAnyOrder(40L, 41L);
    }

    @Test
    void withRedisAwayReadsAreUnavailableConnectionsStillCountAndTheStateIsWrittenAgainWhenRedisIsBack() throws Exception {
        a.connected(5, 50);
        a.flush();
        server.stop();
        try {
            assertThatThrownBy(() -> a.users(5)).isInstanceOf(DomainException.Unavailable.class);
            a.connected(5, 51);
            a.flush();
            a.beat();
        } finally {
            // Back empty (it keeps nothing on disk), as after a failover to a replica that had nothing.
            server = EmbeddedServices.redisRequiringPassword(port, PASSWORD);
        }
        Await.until("a to write its entries again", WAIT, () -> {
            a.beat();
            return b.users(5).size() == 2;
        });
        assertThat(b.users(5)).containsExactlyInAnyOrder(50L, 51L);
    }

    private static String next(BlockingQueue<String> seen) {
        try {
            String event = seen.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(event).as("a presence event within " + WAIT).isNotNull();
            return event;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static final class MutableClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
