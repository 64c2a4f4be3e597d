package io.loomcluster.app.jobs;

import io.loomcluster.app.messages.AfterPost;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.db.Sql;
import redis.clients.jedis.RedisClient;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

/**
 * The queues of one process: their streams, the outbox relay (every role: any instance relays what
 * another left behind), the retry/trim timer, and, in the worker role, one worker per job type.
 */
public final class JobRuntime implements AutoCloseable, AfterPost {
    /** A job type's handler, the executor its jobs run on, and how many may run at once. */
    public record Handler(String type, JobHandler handler, ExecutorService executor, int concurrency) {
    }

    private final Map<String, JobQueue> queues = new LinkedHashMap<>();
    private final List<Handler> handlers;
    private final JobsConfig config;
    private final JobMetrics metrics;
    private final OutboxRelay relay;
    private final JobMaintenance maintenance;
    private final String consumerPrefix;
    private final List<JobWorker> workers = new ArrayList<>();
    private final JobSpans spans;

    public JobRuntime(RedisClient redis, Sql sql, JobsConfig config, JobMetrics metrics, String instanceId,
                      List<Handler> handlers) {
        this.handlers = List.copyOf(handlers);
        this.config = config;
        this.metrics = metrics;
        this.spans = new JobSpans(sql.tracing());
        handlers.forEach(h -> queues.put(h.type(), new JobQueue(redis, h.type())));
        relay = new OutboxRelay(sql, queues, config.outboxBatch(), config.outboxPollInterval(),
                new OutboxRelay.Replication(config.outboxWaitReplicas(), config.outboxWaitTimeout()));
        maintenance = new JobMaintenance(List.copyOf(queues.values()), Clock.systemUTC(), Duration.ofMillis(100),
                Duration.ofSeconds(5));
        queues.keySet().forEach(type -> metrics.register(type, () -> maintenance.stats(type)));
        // Unique per process start: a restarted worker must not inherit the dead one's pending list by name.
        consumerPrefix = instanceId + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public JobRuntime start() {
        if (config.outboxRelay()) {
            relay.start();
        }
        maintenance.start();
        if (config.worker()) {
            for (Handler h : handlers) {
                var settings = new JobWorker.Settings(h.concurrency(), config.maxAttempts(), config.backoff(),
                        config.visibilityTimeout());
                workers.add(new JobWorker(queues.get(h.type()), h.handler(), h.executor(), settings, metrics,
                        Clock.systemUTC(), consumerPrefix, spans).start());
            }
        }
        return this;
    }

    /** After a local commit that added jobs: relay them now rather than at the next poll. */
    /** A post committed: its jobs are in the outbox, so the relay need not wait for its next poll. */
    @Override
    public void committed(Message message) {
        wake();
    }

    public void wake() {
        relay.wake();
    }

    public JobQueue queue(String type) {
        return queues.get(type);
    }

    public int inFlight() {
        return workers.stream().mapToInt(JobWorker::inFlight).sum();
    }

    /** Stops reading and waits up to {@code timeout} for running jobs; unfinished ones stay pending for other workers. */
    public boolean drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean drained = true;
        for (JobWorker worker : workers) {
            drained &= worker.drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return drained;
    }

    @Override
    public void close() {
        relay.close();
        maintenance.close();
        handlers.forEach(h -> h.executor().shutdownNow());
    }
}
