package io.loomcluster.app.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the app reads from its environment, validated once at start-up. A wrong or missing
 * value throws {@link ConfigException} with one line naming the variable and what is expected.
 */
public record AppConfig(
        int port,
        String instanceId,
        String advertisedUrl,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        int databasePoolSize,
        Duration databaseConnectTimeout,
        URI redisUrl,
        boolean cookieSecure,
        Duration sessionIdleTimeout,
        int loginLimitPerUser,
        int loginLimitPerAddress,
        Duration loginLimitWindow,
        int bcryptCost,
        int maxInFlight,
        int maxSubscribers,
        int subscriberBuffer,
        Duration heartbeat,
        Duration slowConsumerTimeout,
        Duration idempotencyRetention,
        List<Cidr> trustedProxies,
        Duration startupTimeout,
        Duration shutdownDrainDelay,
        Duration shutdownTimeout,
        boolean registerInRedis,
        Set<String> allowedOrigins) {

    public static AppConfig fromEnvironment(Map<String, String> env) {
        Env e = new Env(env);
        int port = e.port("PORT", 8081);
        String instanceId = e.string("INSTANCE_ID", hostName() + ":" + port);
        return new AppConfig(
                port,
                instanceId,
                e.string("ADVERTISED_URL", "http://127.0.0.1:" + port),
                e.jdbcUrl("DATABASE_URL"),
                e.string("DATABASE_USER", "postgres"),
                e.string("DATABASE_PASSWORD", ""),
                e.integer("DATABASE_POOL_SIZE", 16, 1, 1000),
                e.duration("DATABASE_CONNECT_TIMEOUT", Duration.ofSeconds(2)),
                e.redisUrl("REDIS_URL"),
                e.bool("COOKIE_SECURE", false),
                e.duration("SESSION_IDLE_TIMEOUT", Duration.ofMinutes(30)),
                e.integer("LOGIN_LIMIT_PER_USER", 10, 1, 1_000_000),
                e.integer("LOGIN_LIMIT_PER_ADDRESS", 100, 1, 1_000_000),
                e.duration("LOGIN_LIMIT_WINDOW", Duration.ofMinutes(1)),
                e.integer("BCRYPT_COST", 10, 4, 31),
                e.integer("MAX_IN_FLIGHT", 256, 1, 1_000_000),
                e.integer("MAX_SUBSCRIBERS", 20_000, 1, 10_000_000),
                e.integer("SUBSCRIBER_BUFFER", 256, 1, 100_000),
                e.duration("HEARTBEAT_INTERVAL", Duration.ofSeconds(15)),
                e.duration("SLOW_CONSUMER_TIMEOUT", Duration.ofSeconds(10)),
                e.duration("IDEMPOTENCY_KEY_RETENTION", Duration.ofHours(24)),
                e.cidrs("TRUSTED_PROXIES", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"),
                e.duration("STARTUP_TIMEOUT", Duration.ofSeconds(60)),
                e.duration("SHUTDOWN_DRAIN_DELAY", Duration.ofSeconds(2)),
                e.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(20)),
                e.bool("REGISTER_IN_REDIS", true),
                e.origins("ALLOWED_ORIGINS"));
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
