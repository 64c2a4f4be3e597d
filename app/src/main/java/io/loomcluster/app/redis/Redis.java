package io.loomcluster.app.redis;

import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.RedisTarget;
import io.loomcluster.contract.RedisUrls;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.executors.CommandExecutor;
import redis.clients.jedis.executors.DefaultCommandExecutor;
import redis.clients.jedis.providers.ConnectionProvider;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.util.JedisURIHelper;

import java.net.URI;
import java.time.Duration;

/**
 * The shared Redis client. Every blocking wait is bounded (connect, socket and pool-borrow
 * timeouts), so that a Redis outage turns into fast 503s, not piled-up virtual threads.
 */
public final class Redis implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 1000;

    private final RedisClient client;
    private final RedisTarget target;

    private Redis(RedisClient client, RedisTarget target) {
        this.client = client;
        this.target = target;
    }

    /** One Redis at {@code uri} (tools and tests). */
    public static Redis connect(URI uri) {
        return connect(new RedisTarget.Direct(uri));
    }

    public static Redis connectForSubscriptions(URI uri) {
        return connectForSubscriptions(new RedisTarget.Direct(uri));
    }

    public static void checkCredentials(URI uri) {
        checkCredentials(new RedisTarget.Direct(uri));
    }

    public static Redis connect(RedisTarget target) {
        return connect(target, TIMEOUT_MILLIS, 64, Tracing.off());
    }

    /** The shared client, each command a span when tracing is on. */
    public static Redis connect(RedisTarget target, Tracing tracing) {
        return connect(target, TIMEOUT_MILLIS, 64, tracing);
    }

    /**
     * A client for pub/sub: its one connection blocks reading for as long as it is subscribed, so it
     * has no socket timeout; a dead server is noticed by the subscriber's pings.
     */
    public static Redis connectForSubscriptions(RedisTarget target) {
        // Three long-lived subscribers (message events, session invalidations, presence) and one spare for reconnects.
        return connect(target, 0, 4, Tracing.off());
    }

    /**
     * Fails start-up when Redis refuses the credentials in {@code REDIS_URL} (a wrong or missing
     * password is configuration, and retrying never fixes it). An unreachable Redis is not an error
     * here: that is an outage, which readiness reports as at any other time.
     */
    public static void checkCredentials(RedisTarget target) {
        try (Redis redis = connect(target, TIMEOUT_MILLIS, 1, Tracing.off())) {
            redis.client.ping();
        } catch (JedisConnectionException e) {
            // An outage: readiness says so until Redis is back.
        } catch (JedisDataException e) {
            // Any other error reply (LOADING after a restart, say) is not about the credentials.
            if (!(e instanceof JedisAccessControlException) && !String.valueOf(e.getMessage()).contains("AUTH")) {
                return;
            }
            // WRONGPASS, NOAUTH, or a password given to a Redis that has none: Redis's reply names no secret.
            if (target instanceof RedisTarget.Direct direct) {
                throw new ConfigException("REDIS_URL=" + RedisUrls.redacted(direct.url().toString()) + " was refused by Redis ("
                        + e.getMessage() + "); expected the password Redis requires (requirepass), as redis://:PASSWORD@host:port");
            }
            throw new ConfigException("REDIS_PASSWORD was refused by the master of " + target.describe() + " ("
                    + e.getMessage() + "); expected the password the master requires (requirepass)");
        }
    }

    private static Redis connect(RedisTarget target, int socketTimeoutMillis, int poolSize, Tracing tracing) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(Math.min(2, poolSize));
        pool.setMaxWait(Duration.ofMillis(TIMEOUT_MILLIS));
        pool.setBlockWhenExhausted(true);
        pool.setTestWhileIdle(true);
        JedisClientConfig config = clientConfig(target, socketTimeoutMillis);
        ConnectionProvider connections = switch (target) {
            case RedisTarget.Direct direct -> new PooledConnectionProvider(
                    new HostAndPort(direct.url().getHost(), direct.url().getPort() > 0 ? direct.url().getPort() : 6379), config, pool);
            case RedisTarget.Sentinel sentinel -> Sentinels.provider(sentinel, config, pool);
        };
        CommandExecutor executor = new DefaultCommandExecutor(connections);
        RedisClient client = RedisClient.builder()
                .clientConfig(config)
                .connectionProvider(connections)
                // With tracing, every command passes through a span.
                .commandExecutor(tracing.enabled() ? new TracedCommands(executor, tracing) : executor)
                .build();
        return new Redis(client, target);
    }

    private static JedisClientConfig clientConfig(RedisTarget target, int socketTimeoutMillis) {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS)
                .socketTimeoutMillis(socketTimeoutMillis)
                .clientName("loom-app")
                // RESP2: a PING on a subscribed connection then answers with a "pong" message that
                // the subscriber understands (over RESP3 it is a bare PONG that ends the subscription).
                .protocol(redis.clients.jedis.RedisProtocol.RESP2);
        if (target instanceof RedisTarget.Sentinel sentinel) {
            return builder.user(sentinel.user()).password(sentinel.password()).build();
        }
        URI uri = ((RedisTarget.Direct) target).url();
        builder.ssl("rediss".equals(uri.getScheme())).database(JedisURIHelper.getDBIndex(uri));
        String userInfo = uri.getUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                if (colon > 0) {
                    builder.user(userInfo.substring(0, colon));
                }
                builder.password(userInfo.substring(colon + 1));
            } else {
                builder.password(userInfo);
            }
        }
        return builder.build();
    }

    public RedisClient client() {
        return client;
    }

    public RedisTarget target() {
        return target;
    }

    /** Whether writes are replicated (a master found through Sentinel has replicas to wait for). */
    public boolean replicated() {
        return target instanceof RedisTarget.Sentinel;
    }

    public boolean isReachable() {
        try {
            return "PONG".equals(client.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
