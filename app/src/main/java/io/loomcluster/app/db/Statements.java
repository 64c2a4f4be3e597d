package io.loomcluster.app.db;

import io.loomcluster.app.tracing.Tracing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** query, one and update, on whatever connection the subclass provides. */
public abstract sealed class Statements permits Sql, Sql.Transaction {
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Tracing tracing;

    Statements(Tracing tracing) {
        this.tracing = tracing;
    }

    abstract <T> T withConnection(Work<T> work);

    /** The tracing these statements report to (work in the same transaction may add spans of its own). */
    public Tracing tracing() {
        return tracing;
    }

    /** One statement on a connection, in a span of its own when tracing is on. */
    private <T> T run(String sql, Work<T> work) {
        return tracing.sql(sql, () -> withConnection(work));
    }

    /** Every row the query returns, mapped. */
    public <T> List<T> query(String sql, Sql.Row<T> row, Object... params) {
        return run(sql, c -> {
            try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
                List<T> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(row.map(rs));
                }
                return result;
            }
        });
    }

    /** The first row the query returns, mapped; empty when there is none. */
    public <T> Optional<T> one(String sql, Sql.Row<T> row, Object... params) {
        return run(sql, c -> {
            try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row.map(rs)) : Optional.empty();
            }
        });
    }

    /** Whether the query returns a row. */
    public boolean exists(String sql, Object... params) {
        return one(sql, rs -> Boolean.TRUE, params).isPresent();
    }

    /** An insert, update or delete; returns the rows changed. */
    public int update(String sql, Object... params) {
        return run(sql, c -> {
            try (PreparedStatement ps = prepare(c, sql, params)) {
                return ps.executeUpdate();
            }
        });
    }

    private static PreparedStatement prepare(Connection c, String sql, Object[] params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                Object p = params[i];
                ps.setObject(i + 1, p instanceof Sql.Bigints array ? c.createArrayOf("bigint", array.values().toArray()) : p);
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }
}
