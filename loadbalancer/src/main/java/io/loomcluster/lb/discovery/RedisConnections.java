package io.loomcluster.lb.discovery;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Pause;
import io.loomcluster.contract.RedisTarget;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.SentineledConnectionProvider;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The balancer's Redis clients (discovery, the dashboard's job figures): one server, or the master
 * Sentinel names, followed through fail-overs by Jedis's sentinel listener.
 */
public final class RedisConnections {
    private static final Duration FIRST_CONTACT = Duration.ofSeconds(60);

    private RedisConnections() {
    }

    public static RedisClient open(RedisTarget target) {
        return switch (target) {
            case RedisTarget.Direct direct -> RedisClient.create(direct.url());
            case RedisTarget.Sentinel sentinel -> RedisClient.builder()
                    .clientConfig(masterConfig(sentinel))
                    .connectionProvider(sentinelProvider(sentinel))
                    .build();
        };
    }

    /**
     * Jedis asks the sentinels for the master once, when the provider is made: they are waited for
     * (with back-off, up to a minute) so that a balancer starting with them is not refused.
     */
    private static SentineledConnectionProvider sentinelProvider(RedisTarget.Sentinel sentinel) {
        Set<HostAndPort> sentinels = new LinkedHashSet<>();
        sentinel.sentinels().forEach(a -> sentinels.add(new HostAndPort(a.host(), a.port())));
        JedisClientConfig sentinelConfig = DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000)
                .socketTimeoutMillis(1000).password(sentinel.sentinelPassword()).clientName("loom-lb-sentinel").build();
        long deadline = System.nanoTime() + FIRST_CONTACT.toNanos();
        Duration backoff = Duration.ofMillis(200);
        while (true) {
            try {
                return new SentineledConnectionProvider(sentinel.master(), masterConfig(sentinel), new ConnectionPoolConfig(),
                        sentinels, sentinelConfig);
            } catch (JedisException e) {
                if (System.nanoTime() > deadline || !Pause.sleep(backoff)) {
                    throw new ConfigException("no sentinel of " + sentinel.describe() + " named the master within "
                            + FIRST_CONTACT.toSeconds() + " s (" + e.getMessage() + "); expected REDIS_SENTINELS to list "
                            + "reachable sentinels and REDIS_SENTINEL_MASTER the name they monitor");
                }
                backoff = Pause.doubled(backoff, Duration.ofSeconds(2));
            }
        }
    }

    private static JedisClientConfig masterConfig(RedisTarget.Sentinel sentinel) {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(2000).socketTimeoutMillis(2000)
                .user(sentinel.user()).password(sentinel.password()).clientName("loom-lb").build();
    }
}
