package io.loomcluster.lb;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Names;
import io.loomcluster.contract.RedisUrls;
import io.loomcluster.lb.config.Discovery;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.discovery.BackendDiscovery;
import io.loomcluster.contract.RedisTarget;
import io.loomcluster.lb.discovery.RedisConnections;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.net.URI;
import java.security.Security;

/** Reads the configuration, wires the balancer, runs until SIGTERM, then drains. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // DNS discovery must see new records; the JVM would otherwise cache lookups for 30 s or forever.
        Security.setProperty("networkaddress.cache.ttl", "1");
        Security.setProperty("networkaddress.cache.negative.ttl", "0");
        // Netty 4.2 leaves sun.misc.Unsafe off on JDK 24+ unless asked; with it, buffers are faster
        // (measured). The launcher also passes --sun-misc-unsafe-memory-access=allow there.
        if (System.getProperty("io.netty.noUnsafe") == null) {
            System.setProperty("io.netty.noUnsafe", "false");
        }
        // The leak detector samples 1% of buffers by default; tests turn it to paranoid.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }

        LbConfig config;
        try {
            config = LbConfig.fromEnv(System.getenv());
            checkRedisCredentials(config.redis());
        } catch (ConfigException e) {
            System.err.println("loadbalancer: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        LoadBalancer balancer = new LoadBalancer(config, pool -> discovery(config, pool));
        Runtime.getRuntime().addShutdownHook(new Thread(balancer::close, "lb-shutdown"));
        balancer.start();
    }

    /**
     * Fails start-up when Redis refuses REDIS_URL's credentials: a wrong password is configuration.
     * An unreachable Redis is an outage, which discovery and the dashboard ride out as at any other time.
     */
    static void checkRedisCredentials(RedisTarget target) {
        if (target == null) {
            return;
        }
        try (RedisClient redis = RedisConnections.open(target)) {
            redis.ping();
        } catch (JedisConnectionException e) {
            // An outage, not configuration.
        } catch (JedisDataException e) {
            // Any other error reply (LOADING after a restart, say) is not about the credentials.
            if (!(e instanceof JedisAccessControlException) && !String.valueOf(e.getMessage()).contains("AUTH")) {
                return;
            }
            // WRONGPASS, NOAUTH, or a password given to a Redis that has none: Redis's reply names no secret.
            String where = target instanceof RedisTarget.Direct direct
                    ? "REDIS_URL=" + RedisUrls.redacted(direct.url().toString())
                    : "REDIS_PASSWORD (for " + target.describe() + ")";
            throw new ConfigException(where + " was refused by Redis (" + e.getMessage()
                    + "); expected the password Redis requires (requirepass), as redis://:PASSWORD@host:port"
                    + " or, with Sentinel, in REDIS_PASSWORD");
        }
    }

    private static BackendDiscovery discovery(LbConfig config, LbConfig.Pool pool) {
        return switch (pool.discovery()) {
            case Discovery.Static s -> BackendDiscovery.fixed(pool.backends());
            case Discovery.Dns dns -> BackendDiscovery.dns(dns.name(), dns.port(), config.dnsInterval(),
                    BackendDiscovery.Resolver.SYSTEM);
            case Discovery.Redis r -> BackendDiscovery.redis(config.redis(), config.redisInterval(),
                    Names.backendsKey(pool.name()));
        };
    }
}
