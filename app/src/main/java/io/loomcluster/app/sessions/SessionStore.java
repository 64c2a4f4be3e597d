package io.loomcluster.app.sessions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.redis.Redis;
import redis.clients.jedis.params.GetExParams;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Sessions in Redis, so that any instance serves any request. Idle sessions expire by TTL (each
 * use extends it); deleting the key logs the user out on every instance at once.
 */
public final class SessionStore {
    private static final String PREFIX = "loom:session:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Stored(long userId, String username) {
    }

    private final Redis redis;
    private final ObjectMapper json;
    private final Duration idleTimeout;

    public SessionStore(Redis redis, ObjectMapper json, Duration idleTimeout) {
        this.redis = redis;
        this.json = json;
        this.idleTimeout = idleTimeout;
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

    /** The session for an id, extending its idle timeout; empty when unknown or expired. */
    public Optional<Session> find(String id) {
        if (id == null || id.length() != 43) {
            return Optional.empty();
        }
        String value = redis.client().getEx(PREFIX + id, GetExParams.getExParams().ex(idleTimeout.toSeconds()));
        if (value == null) {
            return Optional.empty();
        }
        try {
            Stored stored = json.readValue(value, Stored.class);
            return Optional.of(new Session(id, stored.userId(), stored.username()));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    public void delete(String id) {
        if (id != null && !id.isEmpty()) {
            redis.client().del(PREFIX + id);
        }
    }
}
