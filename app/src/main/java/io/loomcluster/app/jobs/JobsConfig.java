package io.loomcluster.app.jobs;

import io.loomcluster.contract.Env;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The roles of this process and how its queues run. The roles come from {@code ROLE}, parsed once by
 * {@code AppConfig}: {@code api} and {@code streams} serve HTTP, {@code worker} runs background jobs.
 */
public record JobsConfig(Set<Role> roles, int maxAttempts, Backoff backoff, Duration visibilityTimeout, int concurrency,
                         int outboxBatch, Duration outboxPollInterval, boolean outboxRelay) {

    /** What a process does: serve HTTP (the API or the live streams), run background jobs, or both. */
    public enum Role { API, WORKER }

    /** {@code roles} is the parsed {@code ROLE} (api, streams, worker). */
    public static JobsConfig fromEnvironment(Env e, Set<String> roles) {
        return new JobsConfig(
                roles(roles),
                e.integer("JOB_MAX_ATTEMPTS", 8, 1, 100),
                new Backoff(e.duration("JOB_RETRY_BASE", Duration.ofSeconds(1), Duration.ofMillis(1)),
                        e.duration("JOB_RETRY_MAX", Duration.ofMinutes(5), Duration.ofMillis(1))),
                e.duration("JOB_VISIBILITY_TIMEOUT", Duration.ofSeconds(60), Duration.ofSeconds(1)),
                e.integer("JOB_CONCURRENCY", 256, 1, 100_000),
                e.integer("OUTBOX_BATCH", 500, 1, 10_000),
                e.duration("OUTBOX_POLL_INTERVAL", Duration.ofSeconds(1), Duration.ofMillis(10)),
                e.bool("OUTBOX_RELAY", true));
    }

    /** Serves HTTP: the API, the live streams, or both. */
    public boolean api() {
        return roles.contains(Role.API);
    }

    public boolean worker() {
        return roles.contains(Role.WORKER);
    }

    private static Set<Role> roles(Set<String> names) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        if (names.contains("api") || names.contains("streams")) {
            roles.add(Role.API);
        }
        if (names.contains("worker")) {
            roles.add(Role.WORKER);
        }
        return Set.copyOf(roles);
    }
}
