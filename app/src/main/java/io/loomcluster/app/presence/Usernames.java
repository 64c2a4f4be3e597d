package io.loomcluster.app.presence;

import io.loomcluster.app.users.User;
import io.loomcluster.app.users.UserService;

import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

/** Usernames by user id (PostgreSQL in the app), in one lookup; unknown ids are absent. */
@FunctionalInterface
public interface Usernames {
    Map<Long, String> of(Collection<Long> userIds);

    static Usernames of(UserService users) {
        return ids -> users.byIds(ids).values().stream().collect(Collectors.toMap(User::id, User::username));
    }
}
