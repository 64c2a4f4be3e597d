package io.loomcluster.app.config;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Env;
import io.loomcluster.contract.RedisTarget;
import io.loomcluster.contract.TrustedProxies;
import io.loomcluster.app.db.Database;
import io.loomcluster.app.http.Origins;
import io.loomcluster.app.jobs.JobsConfig;
import io.loomcluster.app.presence.PresenceSettings;
import io.loomcluster.app.webhooks.WebhookConfig;
import io.loomcluster.app.webhooks.WebhookSettings;

import java.net.URI;
import java.util.LinkedHashSet;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Everything the app reads from its environment, validated once at start-up in the grammar every
 * process shares ({@link Env}). A wrong or missing value throws {@link ConfigException} with one
 * line naming the variable and what is expected.
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
        RedisTarget redis,
        boolean cookieSecure,
        Duration sessionIdleTimeout,
        Duration sessionAbsoluteTimeout,
        AbuseLimits limits,
        int bcryptCost,
        int maxInFlight,
        int acceptQueue,
        int maxSubscribers,
        int maxStreamsPerUser,
        int subscriberBuffer,
        Duration heartbeat,
        Duration slowConsumerTimeout,
        Duration idempotencyRetention,
        TrustedProxies trustedProxies,
        Duration startupTimeout,
        Duration shutdownDrainDelay,
        Duration shutdownTimeout,
        boolean registerInRedis,
        Set<String> allowedOrigins,
        boolean tracing,
        String logFormat,
        JobsConfig jobs,
        WebhookSettings webhooks,
        boolean graphqlIntrospection,
        int graphqlMaxMutations,
        MessageRateLimit messageRateLimit,
        Duration messageEditWindow,
        Roles roles,
        PresenceSettings presence) {


    /** The database settings, as the pool takes them. */
    public Database.Settings database() {
        return new Database.Settings(databaseUrl, databaseUser, databasePassword, databasePoolSize, databaseConnectTimeout);
    }

    public static AppConfig fromEnvironment(Map<String, String> env) {
        Env e = new Env(env);
        int port = e.port("PORT", 8081);
        String instanceId = e.string("INSTANCE_ID", hostName() + ":" + port);
        Roles roles = Roles.fromEnvironment(e);
        JobsConfig jobs = JobsConfig.fromEnvironment(e, roles.runsJobs());
        return new AppConfig(
                port,
                instanceId,
                e.string("ADVERTISED_URL", "http://127.0.0.1:" + port),
                jdbcUrl(e, "DATABASE_URL"),
                e.string("DATABASE_USER", "postgres"),
                e.string("DATABASE_PASSWORD", ""),
                e.integer("DATABASE_POOL_SIZE", 16, 1, 1000),
                e.duration("DATABASE_CONNECT_TIMEOUT", Duration.ofSeconds(2)),
                RedisTarget.fromEnv(e, true, ""),
                e.bool("COOKIE_SECURE", false),
                e.duration("SESSION_IDLE_TIMEOUT", Duration.ofMinutes(30), Duration.ofSeconds(1)),
                e.duration("SESSION_ABSOLUTE_TIMEOUT", Duration.ofDays(7), Duration.ofSeconds(1)),
                AbuseLimits.fromEnvironment(e),
                e.integer("BCRYPT_COST", 10, 4, 31),
                e.integer("MAX_IN_FLIGHT", 256, 1, 1_000_000),
                // Connections waiting to be accepted: a connect storm (thousands of live streams
                // reconnecting after a restart, through the balancer) must not overflow it.
                e.integer("ACCEPT_QUEUE_SIZE", 4096, 16, 1_000_000),
                e.integer("MAX_SUBSCRIBERS", 20_000, 1, 10_000_000),
                e.integer("MAX_STREAMS_PER_USER", 32, 1, 10_000_000),
                e.integer("SUBSCRIBER_BUFFER", 256, 1, 100_000),
                e.duration("HEARTBEAT_INTERVAL", Duration.ofSeconds(15)),
                e.duration("SLOW_CONSUMER_TIMEOUT", Duration.ofSeconds(10)),
                e.duration("IDEMPOTENCY_KEY_RETENTION", Duration.ofHours(24)),
                new TrustedProxies(e.cidrs("TRUSTED_PROXIES", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7")),
                e.duration("STARTUP_TIMEOUT", Duration.ofSeconds(60)),
                e.duration("SHUTDOWN_DRAIN_DELAY", Duration.ofSeconds(2)),
                e.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(20)),
                e.bool("REGISTER_IN_REDIS", true),
                origins(e, "ALLOWED_ORIGINS"),
                // The OpenTelemetry SDK reads the rest of the OTEL_* variables itself; an endpoint turns tracing on.
                e.string("OTEL_EXPORTER_OTLP_ENDPOINT", null) != null || e.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", null) != null,
                logFormat(e),
                jobs,
                WebhookConfig.fromEnvironment(e, jobs.visibilityTimeout()),
                e.bool("GRAPHQL_INTROSPECTION", true),
                e.integer("GRAPHQL_MAX_MUTATIONS", 5, 1, 100),
                new MessageRateLimit(e.integer("MESSAGE_RATE_LIMIT", 10, 1, 1_000_000_000),
                        positive(e, "MESSAGE_RATE_WINDOW", Duration.ofSeconds(1)),
                        e.integer("MESSAGE_RATE_BURST", 20, 1, 1_000_000_000)),
                positive(e, "MESSAGE_EDIT_WINDOW", Duration.ofMinutes(15)),
                roles,
                PresenceSettings.fromEnvironment(e));
    }

    /**
     * Posts per user, cluster-wide: a token bucket refilled at {@code limit} per {@code window}, holding
     * at most {@code burst}.
     */
    public record MessageRateLimit(int limit, Duration window, int burst) {
    }

    private static Duration positive(Env e, String name, Duration fallback) {
        Duration value = e.duration(name, fallback);
        if (value.isZero() || value.isNegative()) {
            throw Env.invalid(name, e.string(name, ""), "a positive duration such as 1s");
        }
        return value;
    }

    /** Logback reads LOG_FORMAT itself (logback.xml); a value it would not know is refused here. */
    public static String logFormat(Env e) {
        String value = e.string("LOG_FORMAT", "text");
        if (!value.equals("text") && !value.equals("json")) {
            throw Env.invalid("LOG_FORMAT", value, "text or json");
        }
        return value;
    }

    private static String jdbcUrl(Env e, String name) {
        String value = e.required(name, "a PostgreSQL JDBC URL such as jdbc:postgresql://127.0.0.1:5432/loom");
        if (!value.startsWith("jdbc:postgresql://")) {
            throw Env.invalid(name, value, "jdbc:postgresql://host:port/database");
        }
        return value;
    }

    private static Set<String> origins(Env e, String name) {
        Set<String> result = new LinkedHashSet<>();
        for (String entry : e.list(name, "")) {
            result.add(Origins.normalise(entry).orElseThrow(() -> new ConfigException(name + " has an invalid entry '"
                    + entry + "'; expected comma-separated origins such as https://app.example.com")));
        }
        return Set.copyOf(result);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
