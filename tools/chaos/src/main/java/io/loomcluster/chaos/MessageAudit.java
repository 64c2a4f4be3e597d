package io.loomcluster.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Compares what the clients were told was stored with what PostgreSQL holds, read directly over
 * JDBC: every acknowledged message must be there, exactly once, under the id the client was given.
 * A message's key is the first word after "chaos " (mentions may follow it).
 */
public record MessageAudit(long acknowledged, long stored, long lost, long duplicated, long unacknowledgedStored) {

    public static MessageAudit of(String jdbcUrl, String textPrefix, Map<String, Long> acknowledged) {
        Map<String, Long> rowsByKey = new HashMap<>();
        Map<String, Long> idByKey = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement q = c.prepareStatement(
                     "select split_part(substring(text from ?), ' ', 1) as key, count(*), min(id) from messages"
                             + " where text like ? group by key")) {
            q.setInt(1, "chaos ".length() + 1);
            q.setString(2, textPrefix.replace("%", "\\%").replace("_", "\\_") + "%");
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    rowsByKey.put(rs.getString(1), rs.getLong(2));
                    idByKey.put(rs.getString(1), rs.getLong(3));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not audit the messages in PostgreSQL: " + e.getMessage(), e);
        }
        long stored = rowsByKey.values().stream().mapToLong(Long::longValue).sum();
        long duplicated = rowsByKey.values().stream().mapToLong(n -> n - 1).sum();
        long lost = acknowledged.entrySet().stream()
                .filter(e -> !e.getValue().equals(idByKey.get(e.getKey()))).count();
        Set<String> keys = acknowledged.keySet();
        long unacknowledged = rowsByKey.keySet().stream().filter(k -> !keys.contains(k)).count();
        return new MessageAudit(acknowledged.size(), stored, lost, duplicated, unacknowledged);
    }
}
