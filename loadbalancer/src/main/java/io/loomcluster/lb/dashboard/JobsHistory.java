package io.loomcluster.lb.dashboard;

import io.loomcluster.contract.Names;
import io.loomcluster.contract.QueueFigures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The job queues seen from Redis, for the dashboard's jobs panel: every {@link #INTERVAL_MILLIS} one
 * thread of its own reads each job type's stream (length, the group's lag and pending entries, the
 * oldest pending entry's age), its retry schedule and its dead letters, and keeps the last
 * {@link #SAMPLES} samples. The queues are one cluster-wide thing in Redis, so they are read there
 * once, not summed from instances' {@code /metrics} (every instance reports the same streams, and
 * worker-only instances are not backends of the balancer at all).
 *
 * <p>Redis calls block, so they never run on an event loop: the sampler publishes an immutable
 * {@link View} that the dashboard's ticker reads. Memory is bounded by the ring size times the job
 * types (fixed, from {@link Names#JOB_TYPES}).
 */
final class JobsHistory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobsHistory.class);
    static final long INTERVAL_MILLIS = 2000;
    static final int SAMPLES = 150;

    /**
     * One job type now and over time. {@code waiting} is the group's lag (entries not yet delivered to
     * any worker; null when Redis cannot tell, e.g. after entries were deleted), {@code pending}
     * those delivered and not acknowledged, {@code oldestPendingMillis} the age of the oldest of those.
     */
    record Queue(String type, String stream, long length, Long waiting, long pending, long oldestPendingMillis,
                 long scheduled, long dead, double[] waitingHistory, double[] pendingHistory,
                 double[] oldestPendingHistory) {
    }

    /**
     * What the panel shows: the queues, or why there are none ({@code reason}); {@code time} is when
     * Redis last answered (0 before it ever did).
     */
    record View(String reason, long time, List<Queue> queues) {
        static View unavailable(String reason) {
            return new View(reason, 0, List.of());
        }
    }

    private final RedisClient redis;
    private final LongSupplier clock;
    private final Map<String, Rings> rings = new LinkedHashMap<>();
    private final ScheduledExecutorService thread;
    private volatile View view;
    private boolean failing;

    private JobsHistory(RedisClient redis, LongSupplier clock, String reason) {
        this.redis = redis;
        this.clock = clock;
        this.view = View.unavailable(reason);
        Names.JOB_TYPES.forEach(type -> rings.put(type, new Rings()));
        this.thread = redis == null ? null
                : Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("dashboard-jobs").daemon().factory());
    }

    /** Samples the queues through {@code redis} until closed (which closes the client too). */
    static JobsHistory sampling(RedisClient redis) {
        JobsHistory history = new JobsHistory(redis, System::currentTimeMillis, "waiting for the first sample from Redis");
        history.thread.scheduleWithFixedDelay(history::sampleQuietly, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        return history;
    }

    /** No Redis configured: the panel says so. */
    static JobsHistory without(String reason) {
        return new JobsHistory(null, System::currentTimeMillis, reason);
    }

    View view() {
        return view;
    }

    private void sampleQuietly() {
        try {
            sample();
            if (failing) {
                failing = false;
                LOG.info("job queues: Redis answers again");
            }
        } catch (JedisException e) {
            if (!failing) {
                failing = true;
                LOG.warn("job queues: Redis did not answer ({}); the jobs panel keeps the last figures", e.getMessage());
            }
            // The last figures stay, marked stale by the reason, so a short outage does not blank the panel.
            view = new View("Redis did not answer: " + e.getMessage(), view.time(), view.queues());
        } catch (RuntimeException e) {
            LOG.warn("job queues not sampled", e);
        }
    }

    /** Reads every type once and appends to its series; only the sampler thread calls this. */
    void sample() {
        long now = clock.getAsLong();
        List<Queue> queues = new ArrayList<>(rings.size());
        for (Map.Entry<String, Rings> entry : rings.entrySet()) {
            queues.add(read(entry.getKey(), entry.getValue(), now));
        }
        view = new View(null, now, List.copyOf(queues));
    }

    private Queue read(String type, Rings r, long now) {
        QueueFigures f;
        try {
            f = QueueFigures.parse(redis.eval(QueueFigures.SCRIPT, QueueFigures.keys(type), List.of(Names.JOB_GROUP)), now);
        } catch (JedisDataException e) {
            // a key holds something other than its type: shown as unknown
            f = new QueueFigures(0, null, 0, 0, 0, 0);
        }
        r.waiting.add(f.waiting() == null ? Double.NaN : f.waiting());
        r.pending.add(f.pending());
        r.oldestPending.add(f.oldestPendingMillis());
        return new Queue(type, Names.jobStream(type), f.length(), f.waiting(), f.pending(), f.oldestPendingMillis(),
                f.scheduled(), f.dead(), r.waiting.toArray(), r.pending.toArray(), r.oldestPending.toArray());
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
            redis.close();
        }
    }

    /** The series of one type, written by the sampler thread only. */
    private static final class Rings {
        final TrafficHistory.Ring waiting = new TrafficHistory.Ring(SAMPLES);
        final TrafficHistory.Ring pending = new TrafficHistory.Ring(SAMPLES);
        final TrafficHistory.Ring oldestPending = new TrafficHistory.Ring(SAMPLES);
    }
}
