package io.loomcluster.app.redis;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Pause;
import io.loomcluster.contract.RedisTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.SentineledConnectionProvider;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Connections to the master Redis Sentinel names. Jedis's provider asks the sentinels once when it is
 * made, then follows {@code +switch-master} announcements: after a fail-over its pool points at the
 * promoted replica, and connections to the old master fail and are replaced.
 */
final class Sentinels {
    private static final Logger log = LoggerFactory.getLogger(Sentinels.class);
    private static final Duration FIRST_CONTACT = Duration.ofSeconds(60);

    private Sentinels() {
    }

    /** Waits (with back-off, up to a minute) for a sentinel to name the master, then fails start-up. */
    static SentineledConnectionProvider provider(RedisTarget.Sentinel sentinel, JedisClientConfig masterConfig,
                                                 ConnectionPoolConfig pool) {
        Set<HostAndPort> sentinels = new LinkedHashSet<>();
        sentinel.sentinels().forEach(a -> sentinels.add(new HostAndPort(a.host(), a.port())));
        JedisClientConfig sentinelConfig = DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000)
                .socketTimeoutMillis(1000).password(sentinel.sentinelPassword()).clientName("loom-app-sentinel").build();
        long deadline = System.nanoTime() + FIRST_CONTACT.toNanos();
        Duration backoff = Duration.ofMillis(200);
        while (true) {
            try {
                return new SentineledConnectionProvider(sentinel.master(), masterConfig, pool, sentinels, sentinelConfig);
            } catch (JedisException e) {
                if (System.nanoTime() > deadline || !Pause.sleep(backoff)) {
                    throw new ConfigException("no sentinel of " + sentinel.describe() + " named the master within "
                            + FIRST_CONTACT.toSeconds() + " s (" + e.getMessage() + "); expected REDIS_SENTINELS to list "
                            + "reachable sentinels and REDIS_SENTINEL_MASTER the name they monitor");
                }
                log.warn("no sentinel named master '{}' yet ({}); asking again in {} ms", sentinel.master(), e.getMessage(),
                        backoff.toMillis());
                backoff = Pause.doubled(backoff, Duration.ofSeconds(2));
            }
        }
    }
}
