package io.loomcluster.app.jobs;

import io.loomcluster.contract.Env;

import java.time.Duration;

/**
 * How this process's job queues run; {@code worker}: whether it runs jobs (the {@code worker} role of
 * {@code ROLE}, {@code config.Roles}).
 */
public record JobsConfig(boolean worker, int maxAttempts, Backoff backoff, Duration visibilityTimeout, int concurrency,
                         int outboxBatch, Duration outboxPollInterval, boolean outboxRelay, int outboxWaitReplicas,
                         Duration outboxWaitTimeout) {

    public static JobsConfig fromEnvironment(Env e, boolean worker) {
        return new JobsConfig(
                worker,
                e.integer("JOB_MAX_ATTEMPTS", 8, 1, 100),
                new Backoff(e.duration("JOB_RETRY_BASE", Duration.ofSeconds(1), Duration.ofMillis(1)),
                        e.duration("JOB_RETRY_MAX", Duration.ofMinutes(5), Duration.ofMillis(1))),
                e.duration("JOB_VISIBILITY_TIMEOUT", Duration.ofSeconds(60), Duration.ofSeconds(1)),
                e.integer("JOB_CONCURRENCY", 256, 1, 100_000),
                e.integer("OUTBOX_BATCH", 500, 1, 10_000),
                e.duration("OUTBOX_POLL_INTERVAL", Duration.ofSeconds(1), Duration.ofMillis(10)),
                e.bool("OUTBOX_RELAY", true),
                // With Sentinel, a relayed batch leaves the outbox only once a replica has it too: a
                // master that dies before replicating cannot take jobs with it (they are relayed again).
                e.integer("OUTBOX_WAIT_REPLICAS", e.string("REDIS_SENTINELS", null) != null ? 1 : 0, 0, 100),
                e.duration("OUTBOX_WAIT_TIMEOUT", Duration.ofSeconds(1), Duration.ofMillis(1)));
    }
}
