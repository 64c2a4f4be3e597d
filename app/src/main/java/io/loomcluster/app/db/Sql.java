package io.loomcluster.app.db;

import io.loomcluster.app.http.ApiException;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Runs JDBC work in a transaction and turns database outages into 503s rather than 500s. */
public final class Sql {
    private final Database database;

    public Sql(Database database) {
        this.database = database;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    public <T> T read(Work<T> work) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(true);
            return work.run(c);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    public <T> T transaction(Work<T> work) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
        }
    }

    /** Connection-class failures (the database is down, restarting or saturated) are retryable 503s. */
    static RuntimeException translate(SQLException e) {
        String state = e.getSQLState();
        boolean unavailable = e instanceof SQLTransientConnectionException
                || (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03") || state.equals("53300")));
        if (unavailable) {
            return new DatabaseUnavailableException(e);
        }
        return new IllegalStateException("database error (SQLState " + state + ")", e);
    }

    /** The database could not be reached in time; mapped to 503 with Retry-After. */
    public static final class DatabaseUnavailableException extends RuntimeException {
        DatabaseUnavailableException(SQLException cause) {
            super("database unavailable: " + cause.getMessage(), cause);
        }

        public ApiException toApi() {
            return ApiException.unavailable("the database is unavailable; retry shortly", 2);
        }
    }
}
