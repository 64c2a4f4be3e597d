package io.loomcluster.app.rooms;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.redis.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Room reads cached in Redis under a namespace version. A change bumps the version after its
 * transaction commits, so every instance's next read misses and goes to PostgreSQL; a reader that
 * raced with the change can only have written under the old version, which nobody reads again.
 * Entries also expire by TTL. A Redis failure degrades to reading PostgreSQL directly.
 */
final class RoomCache {
    private static final Logger log = LoggerFactory.getLogger(RoomCache.class);
    private static final String VERSION_KEY = "loom:cache:rooms:version";
    private static final long TTL_SECONDS = 60;

    private final Redis redis;
    private final ObjectMapper json;

    RoomCache(Redis redis, ObjectMapper json) {
        this.redis = redis;
        this.json = json;
    }

    <T> T get(String key, Class<T> type, Supplier<T> load) {
        Optional<String> version = version();
        if (version.isEmpty()) {
            return load.get();
        }
        String fullKey = "loom:cache:rooms:" + version.get() + ":" + key;
        try {
            String cached = redis.client().get(fullKey);
            if (cached != null) {
                return json.readValue(cached, type);
            }
        } catch (RuntimeException | IOException e) {
            log.warn("room cache read failed for {}; reading PostgreSQL", fullKey, e);
        }
        T value = load.get();
        if (value != null) {
            try {
                redis.client().setex(fullKey, TTL_SECONDS, json.writeValueAsString(value));
            } catch (RuntimeException | IOException e) {
                log.warn("room cache write failed for {}", fullKey, e);
            }
        }
        return value;
    }

    /** Call after the change has committed. */
    void invalidateAll() {
        try {
            redis.client().incr(VERSION_KEY);
        } catch (RuntimeException e) {
            log.warn("room cache invalidation failed; cached rooms may be stale for up to {} s", TTL_SECONDS, e);
        }
    }

    private Optional<String> version() {
        try {
            String v = redis.client().get(VERSION_KEY);
            return Optional.of(v == null ? "0" : v);
        } catch (RuntimeException e) {
            log.warn("room cache unavailable; reading PostgreSQL", e);
            return Optional.empty();
        }
    }
}
