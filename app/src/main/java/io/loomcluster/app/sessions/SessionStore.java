package io.loomcluster.app.sessions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import redis.clients.jedis.params.GetExParams;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sessions in Redis, so that any instance serves any request. Idle sessions expire by TTL, and no
 * session outlives its absolute timeout (counted from login) however active; deleting the key logs
 * the user out on every instance at once. Each user's session ids are indexed in a sorted set (by
 * login time, pruned of the dead at each login, expiring with the newest session) so that "log out
 * everywhere" finds them all.
 *
 * A hot session costs no Redis round trip: each instance caches the sessions it has read
 * ({@link InvalidatedCache}) and trusts an entry for a quarter of the idle timeout (at most a minute,
 * never past the absolute deadline) after the read that extended the key's TTL, so the TTL is
 * extended at most that often per instance, not on every request, and a cached session never
 * outlives its key. Deleting a session removes the key and announces the id on
 * {@link SessionInvalidations#CHANNEL} in one atomic script; every instance drops it from its cache
 * as the announcement arrives, and tells {@code onDeleted} (which ends the session's live streams).
 */
public final class SessionStore implements AutoCloseable {
    private static final String PREFIX = "loom:session:";
    private static final String USER_PREFIX = "loom:user-sessions:";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_CACHED = 100_000;
    // Past this many entries, a login prunes the user's index of sessions that are gone.
    private static final int PRUNE_ABOVE = 64;
    private static final String DELETE_AND_ANNOUNCE =
            "redis.call('del', KEYS[1]) return redis.call('publish', ARGV[1], ARGV[2])";
    // KEYS: the session, the user's index. ARGV: value, idle seconds, now ms, id, absolute ms, session prefix.
    private static final String CREATE = """
            redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
            redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
            redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[3] - ARGV[5])
            if redis.call('zcard', KEYS[2]) > %d then
              for _, id in ipairs(redis.call('zrange', KEYS[2], 0, -1)) do
                if redis.call('exists', ARGV[6] .. id) == 0 then redis.call('zrem', KEYS[2], id) end
              end
            end
            redis.call('pexpire', KEYS[2], ARGV[5])
            """.formatted(PRUNE_ABOVE);
    // KEYS: the user's index. ARGV: session prefix, channel. Returns the ids deleted.
    private static final String DELETE_ALL = """
            local ids = redis.call('zrange', KEYS[1], 0, -1)
            for _, id in ipairs(ids) do
              redis.call('del', ARGV[1] .. id)
              redis.call('publish', ARGV[2], id)
            end
            redis.call('del', KEYS[1])
            return ids
            """;

    private record Stored(long userId, String username, long createdAt) {
    }

    private final Redis redis;
    private final ObjectMapper json;
    private final Duration idleTimeout;
    private final long absoluteMillis;
    private final Clock clock;
    private final long recheckNanos;
    private final InvalidatedCache<String, Session> cache = new InvalidatedCache<>(MAX_CACHED);
    private final SessionInvalidations invalidations;

    /**
     * {@code subscriptions}: the client whose connections may block in SUBSCRIBE; {@code onDeleted}
     * is told the id of every session deleted anywhere, on the subscriber's thread.
     */
    public SessionStore(Redis redis, Redis subscriptions, ObjectMapper json, Duration idleTimeout, Duration absoluteTimeout,
                        Clock clock, Consumer<String> onDeleted) {
        this.redis = redis;
        this.json = json;
        this.idleTimeout = idleTimeout;
        this.absoluteMillis = absoluteTimeout.toMillis();
        this.clock = clock;
        this.recheckNanos = Math.min(idleTimeout.toNanos() / 4, Duration.ofMinutes(1).toNanos());
        this.invalidations = new SessionInvalidations(subscriptions, cache, onDeleted);
    }

    /** Starts listening for deleted sessions; until subscribed every lookup goes to Redis. */
    public void start() {
        invalidations.start();
    }

    @Override
    public void close() {
        invalidations.close();
    }

    /** A new session with a fresh unguessable id (256 bits): ids are never reused or chosen by clients. */
    public Session create(long userId, String username) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        long now = clock.millis();
        try {
            redis.client().eval(CREATE, List.of(PREFIX + id, USER_PREFIX + userId),
                    List.of(json.writeValueAsString(new Stored(userId, username, now)), Long.toString(idleSeconds(now, now)),
                            Long.toString(now), id, Long.toString(absoluteMillis), PREFIX));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new Session(id, userId, username);
    }

    /** The session for an id; empty when unknown, expired or deleted. A read from Redis extends its idle timeout. */
    public Optional<Session> find(String id) {
        if (!wellFormed(id)) {
            return Optional.empty();
        }
        // Taken before the read that extends the TTL: the entry is re-checked before the key can expire.
        long now = System.nanoTime();
        Session cached = cache.get(id, now);
        if (cached != null) {
            return Optional.of(cached);
        }
        long mark = cache.mark();
        String value = redis.client().getEx(PREFIX + id, GetExParams.getExParams().ex(idleTimeout.toSeconds()));
        Optional<Stored> stored = parse(value);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        long nowMillis = clock.millis();
        long left = stored.get().createdAt() + absoluteMillis - nowMillis;
        if (left <= 0) {
            redis.client().del(PREFIX + id);
            return Optional.empty();
        }
        if (left < idleTimeout.toMillis()) {
            // The last stretch: the key goes when the absolute timeout is reached, even if used.
            redis.client().pexpire(PREFIX + id, left);
        }
        Session session = new Session(id, stored.get().userId(), stored.get().username());
        cache.put(id, session, now + Math.min(recheckNanos, left * 1_000_000), mark);
        return Optional.of(session);
    }

    /**
     * Whether the session still exists, without extending it: live streams ask this every heartbeat,
     * and a stream alone must not keep its session alive.
     */
    public boolean isLive(String id) {
        if (!wellFormed(id)) {
            return false;
        }
        if (cache.get(id, System.nanoTime()) != null) {
            return true;
        }
        return parse(redis.client().get(PREFIX + id)).filter(s -> s.createdAt() + absoluteMillis > clock.millis()).isPresent();
    }

    /** Deletes the session everywhere: the key, and every instance's cached copy. */
    public void delete(String id) {
        if (id != null && !id.isEmpty()) {
            cache.invalidate(id);
            redis.client().eval(DELETE_AND_ANNOUNCE, List.of(PREFIX + id), List.of(SessionInvalidations.CHANNEL, id));
        }
    }

    /** Deletes every session of the user everywhere ("log out everywhere"). */
    public void deleteAll(long userId) {
        Object deleted = redis.client().eval(DELETE_ALL, List.of(USER_PREFIX + userId),
                List.of(PREFIX, SessionInvalidations.CHANNEL));
        if (deleted instanceof List<?> ids) {
            ids.forEach(id -> cache.invalidate(id.toString()));
        }
    }

    /** Whether lookups may be answered from this instance's cache now (the invalidation subscription is up). */
    public boolean cacheEnabled() {
        return cache.enabled();
    }

    private long idleSeconds(long createdAt, long now) {
        return Math.max(1, Math.min(idleTimeout.toSeconds(), (createdAt + absoluteMillis - now + 999) / 1000));
    }

    private static boolean wellFormed(String id) {
        return id != null && id.length() == 43;
    }

    // A record without a login time (written before absolute timeouts existed) counts as expired.
    private Optional<Stored> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(value, Stored.class)).filter(s -> s.createdAt() > 0);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
