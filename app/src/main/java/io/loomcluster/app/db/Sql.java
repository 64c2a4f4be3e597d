package io.loomcluster.app.db;

import io.loomcluster.app.errors.DomainException;
import io.loomcluster.app.tracing.Tracing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Function;

/**
 * The app's query helper: plain SQL with bind parameters, a row mapper, and nothing else. Each call
 * outside {@link #transaction} borrows a pooled connection in auto-commit; a transaction holds one
 * for its work, commits, or rolls back on any exception. Each statement is a child span of the
 * request's when tracing is on. A database outage (unreachable, restarting,
 * out of connections) becomes {@link DomainException.Unavailable}; any other SQL error is a bug.
 */
public final class Sql extends Statements {
    private final Database database;
    private final Tracing tracing;

    public Sql(Database database, Tracing tracing) {
        super(tracing);
        this.database = database;
        this.tracing = tracing;
    }

    /** Maps the current row of a result set. */
    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A bind parameter that is a PostgreSQL {@code bigint[]} (for {@code = any(?)}). */
    public record Bigints(Collection<Long> values) {
    }

    public static Bigints bigints(Collection<Long> values) {
        return new Bigints(values);
    }

    /** Runs {@code work} in one transaction and returns its result. */
    public <T> T transaction(Function<Transaction, T> work) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(new Transaction(c, tracing));
                c.commit();
                return result;
            } catch (RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    @Override
    <T> T withConnection(Work<T> work) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(true);
            return work.run(c);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** The statements of one transaction, on its connection. */
    public static final class Transaction extends Statements {
        private final Connection connection;

        private Transaction(Connection connection, Tracing tracing) {
            super(tracing);
            this.connection = connection;
        }

        @Override
        <T> T withConnection(Work<T> work) {
            try {
                return work.run(connection);
            } catch (SQLException e) {
                throw translate(e);
            }
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
        }
    }

    /** Connection-class failures (the database is down, restarting or saturated) are "unavailable", retryable. */
    static RuntimeException translate(SQLException e) {
        String state = e.getSQLState();
        boolean unavailable = e instanceof SQLTransientConnectionException
                || (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03") || state.equals("53300")));
        if (unavailable) {
            return new DomainException.Unavailable("the database is unavailable; retry shortly", Duration.ofSeconds(2));
        }
        return new IllegalStateException("database error (SQLState " + state + ")", e);
    }
}
