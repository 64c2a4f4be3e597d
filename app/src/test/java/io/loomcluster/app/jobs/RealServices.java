package io.loomcluster.app.jobs;

import io.loomcluster.app.config.AppConfig;
import io.loomcluster.app.db.Database;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.testing.EmbeddedServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** Real Redis and PostgreSQL (migrated) for the queue's unit and race tests: started once per test JVM. */
final class RealServices {
    final Redis redis;
    final Sql sql;

    private RealServices(Redis redis, Sql sql) {
        this.redis = redis;
        this.sql = sql;
    }

    static RealServices shared() {
        return Holder.INSTANCE;
    }

    // Lazy holder: class initialisation makes the one-time start thread-safe.
    private static final class Holder {
        static final RealServices INSTANCE = start();

        private static RealServices start() {
            EmbeddedServices services = EmbeddedServices.start(EmbeddedServices.Options.ephemeral());
            Redis redis = Redis.connect(URI.create(services.redisUrl()));
            AppConfig config = AppConfig.fromEnvironment(Map.of("DATABASE_URL", services.jdbcUrl(),
                    "DATABASE_USER", services.databaseUser(), "REDIS_URL", services.redisUrl()));
            Database database = Database.connect(config.database(), new SimpleMeterRegistry());
            database.migrate(Duration.ofSeconds(60));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                database.close();
                redis.close();
                services.close();
            }, "real-services-shutdown"));
            return new RealServices(redis, new Sql(database, Tracing.off()));
        }
    }
}
