package io.loomcluster.app.jobs;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Env;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The roles of this process and how its queues run. {@code ROLE} is {@code api}, {@code worker} or
 * both ({@code api,worker}, the default).
 */
public record JobsConfig(Set<Role> roles, int maxAttempts, Backoff backoff, Duration visibilityTimeout, int concurrency,
                         int outboxBatch, Duration outboxPollInterval, boolean outboxRelay) {

    /** What a process does: serve the API, run background jobs, or both. */
    public enum Role { API, WORKER }

    public static JobsConfig fromEnvironment(Env e) {
        return new JobsConfig(
                roles(e.string("ROLE", "api,worker")),
                e.integer("JOB_MAX_ATTEMPTS", 8, 1, 100),
                new Backoff(e.duration("JOB_RETRY_BASE", Duration.ofSeconds(1), Duration.ofMillis(1)),
                        e.duration("JOB_RETRY_MAX", Duration.ofMinutes(5), Duration.ofMillis(1))),
                e.duration("JOB_VISIBILITY_TIMEOUT", Duration.ofSeconds(60), Duration.ofSeconds(1)),
                e.integer("JOB_CONCURRENCY", 256, 1, 100_000),
                e.integer("OUTBOX_BATCH", 500, 1, 10_000),
                e.duration("OUTBOX_POLL_INTERVAL", Duration.ofSeconds(1), Duration.ofMillis(10)),
                e.bool("OUTBOX_RELAY", true));
    }

    public boolean api() {
        return roles.contains(Role.API);
    }

    public boolean worker() {
        return roles.contains(Role.WORKER);
    }

    private static Set<Role> roles(String value) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : value.split(",")) {
            switch (part.trim().toLowerCase(Locale.ROOT)) {
                case "api" -> roles.add(Role.API);
                case "worker" -> roles.add(Role.WORKER);
                default -> throw new ConfigException("ROLE has an invalid value '" + value
                        + "'; expected api, worker or api,worker");
            }
        }
        return Set.copyOf(roles);
    }
}
