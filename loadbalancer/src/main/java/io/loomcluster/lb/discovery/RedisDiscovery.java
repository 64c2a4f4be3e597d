package io.loomcluster.lb.discovery;

import io.loomcluster.contract.RedisTarget;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Instances that registered themselves in a sorted set ({@code loom:lb:backends} for the default
 * pool, {@code loom:lb:backends:<pool>} for a named one): member = base URL, score = expiry in epoch
 * milliseconds, refreshed by the instance's heartbeat.
 */
final class RedisDiscovery extends PollingDiscovery {
    private final String key;
    private final RedisTarget target;
    private final RedisClient redis;

    RedisDiscovery(RedisTarget target, Duration interval, String key) {
        super("discovery-redis", interval);
        this.key = key;
        this.target = target;
        this.redis = RedisConnections.open(target);
    }

    @Override
    Set<URI> poll() {
        long now = System.currentTimeMillis();
        List<String> members = redis.zrangeByScore(key, "(" + now, "+inf");
        Set<URI> result = new LinkedHashSet<>();
        for (String member : members) {
            URI uri = parse(member);
            if (uri != null) {
                result.add(uri);
            }
        }
        return Set.copyOf(result);
    }

    // A malformed member is someone else's bug; skip it rather than stop discovering.
    private static URI parse(String member) {
        try {
            URI uri = URI.create(member.trim());
            if ("http".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
                return URI.create("http://" + uri.getHost() + ":" + uri.getPort());
            }
        } catch (IllegalArgumentException e) {
            // skipped below
        }
        return null;
    }

    @Override
    String source() {
        return target.describe() + " key " + key;
    }

    @Override
    public void close() {
        super.close();
        redis.close();
    }
}
