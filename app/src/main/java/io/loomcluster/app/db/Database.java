package io.loomcluster.app.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.loomcluster.contract.Pause;
import io.micrometer.core.instrument.MeterRegistry;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The PostgreSQL pool. Its size caps database concurrency; a request that cannot get a connection
 * within {@code DATABASE_CONNECT_TIMEOUT} fails fast with 503 instead of queueing for long.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    private final HikariDataSource dataSource;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Where PostgreSQL is and how the pool reaches it ({@code DATABASE_*}). */
    public record Settings(String url, String user, String password, int poolSize, Duration connectTimeout) {
    }

    public static Database connect(Settings config, MeterRegistry registry) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("loom-db");
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(4, config.poolSize()));
        hikari.setConnectionTimeout(config.connectTimeout().toMillis());
        hikari.setValidationTimeout(Math.min(1000, config.connectTimeout().toMillis()));
        // Start even when PostgreSQL is not up yet: readiness reports it, and the pool reconnects by itself.
        hikari.setInitializationFailTimeout(-1);
        hikari.addDataSourceProperty("connectTimeout", "5");
        hikari.addDataSourceProperty("socketTimeout", "30");
        hikari.addDataSourceProperty("tcpKeepAlive", "true");
        hikari.setMetricRegistry(registry);
        return new Database(new HikariDataSource(hikari));
    }

    /**
     * Applies the schema migrations; instances starting together are serialised by Flyway's lock.
     * PostgreSQL that is not reachable yet (starting, or slow on a loaded machine) is waited for,
     * with back-off, up to {@code timeout}; then the failure is thrown and the process exits.
     */
    public void migrate(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration backoff = Duration.ofMillis(250);
        while (true) {
            try {
                Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
                return;
            } catch (FlywayException e) {
                if (!(e.getCause() instanceof SQLException) || System.nanoTime() + backoff.toNanos() > deadline) {
                    throw e;
                }
                log.warn("PostgreSQL not reachable yet ({}); retrying in {} ms", e.getCause().getMessage(), backoff.toMillis());
                if (!Pause.sleep(backoff)) {
                    throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
                }
                backoff = Pause.doubled(backoff, Duration.ofSeconds(5));
            }
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** True when a connection can be had and answers a trivial query within a second. */
    public boolean isReachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
