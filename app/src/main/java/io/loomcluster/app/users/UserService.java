package io.loomcluster.app.users;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.errors.DomainException.Conflict;
import io.loomcluster.app.errors.DomainException.InvalidInput;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Registration and credential checks; passwords are stored only as bcrypt hashes. */
public final class UserService {
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9_]{3,32}");

    private static final String INSERT = """
            insert into users (username, password_hash) values (?, ?)
            on conflict (username) do nothing
            returning id
            """;
    private static final String TAKEN = "select 1 from users where username = ?";
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
            throw new InvalidInput("username is required");
        }
        if (!USERNAME.matcher(username).matches()) {
            throw new InvalidInput("username must be 3 to 32 characters of a-z, 0-9 and _");
        }
        return username;
    }

    public static String validPassword(String password) {
        if (password == null) {
            throw new InvalidInput("password is required");
        }
        int length = password.codePointCount(0, password.length());
        if (length < 8 || length > 128) {
            throw new InvalidInput("password must be 8 to 128 characters long");
        }
        return password;
    }

    /**
     * A taken name is refused before the password is hashed (a hash is the expensive part); the
     * unique constraint still decides between two registrations of one name at the same moment.
     */
    public User register(String username, String password) {
        validUsername(username);
        validPassword(password);
        if (sql.exists(TAKEN, username)) {
            throw taken(username);
        }
        String hash = hasher.hash(password);
        return sql.one(INSERT, rs -> new User(rs.getLong(1), username), username, hash).orElseThrow(() -> taken(username));
    }

    private static Conflict taken(String username) {
        return new Conflict("Username taken", "the username '" + username + "' is already registered");
    }

    /** Users by id, in one query (for batched GraphQL loads); unknown ids are absent from the map. */
    public Map<Long, User> byIds(Collection<Long> ids) {
        return sql.query(BY_IDS, rs -> new User(rs.getLong(1), rs.getString(2)), Sql.bigints(ids)).stream()
                .collect(Collectors.toMap(User::id, Function.identity()));
    }

    /** The user when the credentials match; the same work is done whether or not the user exists. */
    public Optional<User> authenticate(String username, String password) {
        record Row(long id, String hash) {
        }
        Optional<Row> row = sql.one(FIND, rs -> new Row(rs.getLong(1), rs.getString(2)), username);
        if (row.isEmpty()) {
            hasher.verifyAgainstNothing(password);
            return Optional.empty();
        }
        return hasher.verify(password, row.get().hash()) ? Optional.of(new User(row.get().id(), username)) : Optional.empty();
    }
}
