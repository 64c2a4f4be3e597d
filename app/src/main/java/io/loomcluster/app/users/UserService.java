package io.loomcluster.app.users;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.http.ApiException;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.regex.Pattern;

/** Registration and credential checks; passwords are stored only as bcrypt hashes. */
public final class UserService {
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9_]{3,32}");

    private static final String INSERT = """
            insert into users (username, password_hash) values (?, ?)
            on conflict (username) do nothing
            returning id
            """;
    private static final String FIND = """
            select id, password_hash from users where username = ?
            """;

    private static final String BY_IDS = "select id, username from users where id = any(?)";

    private final Sql sql;
    private final PasswordHasher hasher;

    public UserService(Sql sql, PasswordHasher hasher) {
        this.sql = sql;
        this.hasher = hasher;
    }

    public static String validUsername(String username) {
        if (username == null) {
            throw ApiException.badRequest("username is required");
        }
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("username must be 3 to 32 characters of a-z, 0-9 and _");
        }
        return username;
    }

    public static String validPassword(String password) {
        if (password == null) {
            throw ApiException.badRequest("password is required");
        }
        int length = password.codePointCount(0, password.length());
        if (length < 8 || length > 128) {
            throw ApiException.badRequest("password must be 8 to 128 characters long");
        }
        return password;
    }

    public User register(String username, String password) {
        validUsername(username);
        validPassword(password);
        String hash = hasher.hash(password);
        Optional<Long> id = sql.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, username);
                ps.setString(2, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getLong(1)) : Optional.<Long>empty();
                }
            }
        });
        return id.map(value -> new User(value, username))
                .orElseThrow(() -> new ApiException(409, "Username taken", "the username '" + username + "' is already registered"));
    }

    /** Users by id, in one query (for batched GraphQL loads); unknown ids are absent from the map. */
    public java.util.Map<Long, User> byIds(java.util.Collection<Long> ids) {
        return sql.read(c -> {
            java.util.Map<Long, User> users = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(BY_IDS)) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        users.put(rs.getLong(1), new User(rs.getLong(1), rs.getString(2)));
                    }
                }
            }
            return users;
        });
    }

    /** The user when the credentials match; the same work is done whether or not the user exists. */
    public Optional<User> authenticate(String username, String password) {
        record Row(long id, String hash) {
        }
        Optional<Row> row = sql.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(FIND)) {
                ps.setString(1, username);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Row(rs.getLong(1), rs.getString(2))) : Optional.<Row>empty();
                }
            }
        });
        if (row.isEmpty()) {
            hasher.verifyAgainstNothing(password);
            return Optional.empty();
        }
        return hasher.verify(password, row.get().hash()) ? Optional.of(new User(row.get().id(), username)) : Optional.empty();
    }
}
