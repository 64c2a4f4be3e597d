package io.loomcluster.app.config;

import io.loomcluster.contract.Env;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ROLE}: what this process does. {@code api} serves the API, {@code streams} the live streams
 * (SSE, WebSocket, long-polls), {@code worker} runs background jobs; all three by default, so one
 * command still starts a working cluster. An instance registers in Redis discovery under each HTTP
 * role it has, so a balancer with {@code LB_ROUTES} sends each kind of traffic to the instances that
 * took that role.
 */
public record Roles(Set<Role> set) {

    /** One role; {@link #text()} is how {@code ROLE} and the discovery keys write it. */
    public enum Role {
        API, STREAMS, WORKER;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether this role takes HTTP traffic from a balancer. */
        public boolean http() {
            return this != WORKER;
        }
    }

    public Roles {
        set = Set.copyOf(set);
    }

    public static Roles of(Role... roles) {
        return new Roles(EnumSet.copyOf(Arrays.asList(roles)));
    }

    static Roles fromEnvironment(Env e) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String name : e.list("ROLE", "api,streams,worker")) {
            Role role = Arrays.stream(Role.values()).filter(r -> r.text().equals(name)).findFirst()
                    .orElseThrow(() -> Env.invalid("ROLE", e.string("ROLE", ""), "a comma-separated list of api, streams, worker"));
            roles.add(role);
        }
        if (roles.isEmpty()) {
            throw Env.invalid("ROLE", e.string("ROLE", ""), "at least one of api, streams, worker");
        }
        return new Roles(roles);
    }

    public boolean has(Role role) {
        return set.contains(role);
    }

    /** Serves HTTP: the API, the live streams, or both. */
    public boolean servesHttp() {
        return set.stream().anyMatch(Role::http);
    }

    public boolean runsJobs() {
        return set.contains(Role.WORKER);
    }

    /** The roles as {@code ROLE} writes them. */
    public Set<String> names() {
        return set.stream().map(Role::text).collect(Collectors.toUnmodifiableSet());
    }
}
