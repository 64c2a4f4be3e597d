package io.loomcluster.app.sessions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.redis.InvalidatedCache;
import io.loomcluster.app.redis.Redis;
import redis.clients.jedis.params.GetExParams;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Sessions in Redis, so that any instance serves any request. Idle sessions expire by TTL; deleting
 * the key logs the user out on every instance at once.
 *
 * A hot session costs no Redis round trip: each instance caches the sessions it has read
 * ({@link InvalidatedCache}) and trusts an entry for a quarter of the idle timeout (at most a minute)
 * after the read that extended the key's TTL, so the TTL is extended at most that often per
 * instance, not on every request, and a cached session never outlives its key. Deleting a session
 * removes the key and announces the id on {@link SessionInvalidations#CHANNEL} in one atomic
 * script; every instance drops it from its cache as the announcement arrives.
 */
public final class SessionStore implements AutoCloseable {
    private static final String PREFIX = "loom:session:";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_CACHED = 100_000;
    private static final String DELETE_AND_ANNOUNCE =
            "redis.call('del', KEYS[1]) return redis.call('publish', ARGV[1], ARGV[2])";

    private record Stored(long userId, String username) {
    }

    private final Redis redis;
    private final ObjectMapper json;
    private final Duration idleTimeout;
    private final long recheckNanos;
    private final InvalidatedCache<String, Session> cache = new InvalidatedCache<>(MAX_CACHED);
    private final SessionInvalidations invalidations;

    /** {@code subscriptions}: the client whose connections may block in SUBSCRIBE. */
    public SessionStore(Redis redis, Redis subscriptions, ObjectMapper json, Duration idleTimeout) {
        this.redis = redis;
        this.json = json;
        this.idleTimeout = idleTimeout;
        this.recheckNanos = Math.min(idleTimeout.toNanos() / 4, Duration.ofMinutes(1).toNanos());
        this.invalidations = new SessionInvalidations(subscriptions, cache);
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
        try {
            redis.client().setex(PREFIX + id, idleTimeout.toSeconds(), json.writeValueAsString(new Stored(userId, username)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new Session(id, userId, username);
    }

    /** The session for an id; empty when unknown, expired or deleted. A read from Redis extends its idle timeout. */
    public Optional<Session> find(String id) {
        if (id == null || id.length() != 43) {
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
        if (value == null) {
            return Optional.empty();
        }
        try {
            Stored stored = json.readValue(value, Stored.class);
            Session session = new Session(id, stored.userId(), stored.username());
            cache.put(id, session, now + recheckNanos, mark);
            return Optional.of(session);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** Deletes the session everywhere: the key, and every instance's cached copy. */
    public void delete(String id) {
        if (id != null && !id.isEmpty()) {
            cache.invalidate(id);
            redis.client().eval(DELETE_AND_ANNOUNCE, List.of(PREFIX + id), List.of(SessionInvalidations.CHANNEL, id));
        }
    }

    /** Whether lookups may be answered from this instance's cache now (the invalidation subscription is up). */
    public boolean cacheEnabled() {
        return cache.enabled();
    }
}
