package io.loomcluster.app.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.contract.Names;
import io.loomcluster.contract.QueueFigures;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingSummary;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Redis side of one job type: a stream read by the consumer group {@value #GROUP}, a sorted set
 * of retries by due time, and a dead-letter stream. Every move between them that must not lose or
 * double a job (ack + schedule, ack + dead-letter, due retry back to the stream, re-drive) is one
 * Lua script, so Redis applies it whole or not at all.
 */
public final class JobQueue {
    public static final String GROUP = Names.JOB_GROUP;
    private static final ObjectMapper JSON = new ObjectMapper();

    // KEYS: stream, retry set. ARGV: group, entry id, due millis, job as JSON.
    private static final String ACK_AND_SCHEDULE = """
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
            return 1
            """;
    // KEYS: stream, dead-letter stream. ARGV: group, entry id, then field, value pairs.
    private static final String ACK_AND_BURY = """
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
            return 1
            """;
    // KEYS: stream, retry set. ARGV: now millis, batch size. Moves due retries back to the stream.
    private static final String MOVE_DUE = """
            local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
            for _, member in ipairs(due) do
              local job = cjson.decode(member)
              local fields = {}
              for k, v in pairs(job) do
                fields[#fields + 1] = k
                fields[#fields + 1] = v
              end
              redis.call('XADD', KEYS[1], '*', unpack(fields))
              redis.call('ZREM', KEYS[2], member)
            end
            return #due
            """;
    // KEYS: dead-letter stream, stream. ARGV: dead entry id, then field, value pairs (attempt reset).
    private static final String REDRIVE = """
            if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
            redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
            return 1
            """;

    /** A job as read from the stream, with the entry id that acknowledges it. */
    public record Delivery(StreamEntryID entryId, Job job) {
    }

    /** A dead letter: the job, the entry id in the dead-letter stream, and the last error. */
    public record DeadLetter(String entryId, Job job, String error) {
    }

    private final RedisClient redis;
    private final String type;
    private final String stream;
    private final String retries;
    private final String dead;

    public JobQueue(RedisClient redis, String type) {
        this.redis = redis;
        this.type = type;
        this.stream = Names.jobStream(type);
        this.retries = Names.jobRetries(type);
        this.dead = Names.jobDeadLetters(type);
    }

    public String type() {
        return type;
    }

    /** The stream of a job type. */
    public static String keyOf(String type) {
        return Names.jobStream(type);
    }

    public String streamKey() {
        return stream;
    }

    public StreamEntryID enqueue(Job job) {
        return redis.xadd(stream, XAddParams.xAddParams(), job.fields());
    }

    /** Adds several jobs in one round trip (a pipeline: each entry is added whole or not at all). */
    public void enqueueAll(List<Job> jobs) {
        enqueueAll(jobs, 0, 0);
    }

    /**
     * Adds the jobs in one pipelined round trip; with {@code replicas} above zero, returns only once
     * that many replicas have them ({@code WAIT}, on the same connection, up to {@code waitMillis}),
     * and throws otherwise: the entries may then vanish with the master, so the caller keeps its copy.
     */
    public void enqueueAll(List<Job> jobs, int replicas, long waitMillis) {
        if (jobs.isEmpty()) {
            return;
        }
        List<Response<StreamEntryID>> added = new ArrayList<>(jobs.size());
        Response<Long> acknowledged = null;
        try (var pipeline = redis.pipelined()) {
            for (Job job : jobs) {
                added.add(pipeline.xadd(stream, XAddParams.xAddParams(), job.fields()));
            }
            if (replicas > 0) {
                acknowledged = pipeline.waitReplicas(replicas, waitMillis);
            }
            pipeline.sync();
        }
        // A pipeline reports each command's error only when its response is read: read them all, so
        // that a failed XADD fails the caller (the relay then keeps its rows).
        added.forEach(Response::get);
        if (acknowledged != null && acknowledged.get() < replicas) {
            throw new NotReplicatedException(stream + ": " + jobs.size() + " jobs reached " + acknowledged.get() + " of "
                    + replicas + " replicas within " + waitMillis + " ms");
        }
    }

    /** Jobs added to the master that no replica confirmed in time; a fail-over could lose them. */
    public static final class NotReplicatedException extends RuntimeException {
        NotReplicatedException(String message) {
            super(message);
        }
    }

    /** Creates the group (and the stream) if missing, reading from the start: jobs added before any worker ran are not skipped. */
    public void ensureGroup() {
        try {
            redis.xgroupCreate(stream, GROUP, new StreamEntryID(0, 0), true);
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    /** New entries for this consumer, waiting up to {@code blockMillis} for the first. */
    public List<Delivery> read(String consumer, int count, int blockMillis) {
        var params = XReadGroupParams.xReadGroupParams().count(count).block(blockMillis);
        var result = withGroup(() -> redis.xreadGroup(GROUP, consumer, params,
                Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)));
        List<Delivery> deliveries = new ArrayList<>();
        if (result != null) {
            for (var byStream : result) {
                for (StreamEntry entry : byStream.getValue()) {
                    deliveries.add(new Delivery(entry.getID(), Job.fromFields(entry.getFields())));
                }
            }
        }
        return deliveries;
    }

    /** Takes over entries that another consumer has held longer than {@code minIdleMillis} (it died or hung). */
    public List<Delivery> claimStale(String consumer, long minIdleMillis, int count) {
        var result = withGroup(() -> redis.xautoclaim(stream, GROUP, consumer, minIdleMillis, new StreamEntryID(0, 0),
                XAutoClaimParams.xAutoClaimParams().count(count)));
        List<Delivery> deliveries = new ArrayList<>();
        for (StreamEntry entry : result.getValue()) {
            // An entry trimmed or deleted while pending comes back without fields: nothing to run.
            if (entry.getFields() == null) {
                redis.xack(stream, GROUP, entry.getID());
                continue;
            }
            deliveries.add(new Delivery(entry.getID(), Job.fromFields(entry.getFields())));
        }
        return deliveries;
    }

    public void ack(Delivery delivery) {
        redis.xack(stream, GROUP, delivery.entryId());
    }

    /** Acknowledges several entries in one {@code XACK}. */
    public void ack(List<Delivery> deliveries) {
        if (!deliveries.isEmpty()) {
            redis.xack(stream, GROUP, deliveries.stream().map(Delivery::entryId).toArray(StreamEntryID[]::new));
        }
    }

    /** Acknowledges the entry and schedules {@code next} for {@code dueMillis}, atomically. */
    public void retryLater(Delivery delivery, Job next, long dueMillis) {
        redis.eval(ACK_AND_SCHEDULE, List.of(stream, retries),
                List.of(GROUP, delivery.entryId().toString(), Long.toString(dueMillis), toJson(next.fields())));
    }

    /** Acknowledges the entry and moves the job to the dead-letter stream with its last error, atomically. */
    public void bury(Delivery delivery, String error) {
        List<String> args = new ArrayList<>(List.of(GROUP, delivery.entryId().toString()));
        Map<String, String> fields = delivery.job().fields();
        fields.put("error", error == null ? "" : error);
        fields.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        redis.eval(ACK_AND_BURY, List.of(stream, dead), args);
    }

    /** Moves retries due by {@code nowMillis} back to the stream; returns how many moved. */
    public long moveDue(long nowMillis, int batch) {
        Object moved = redis.eval(MOVE_DUE, List.of(stream, retries), List.of(Long.toString(nowMillis), Integer.toString(batch)));
        return moved instanceof Long n ? n : 0;
    }

    /**
     * Trims the stream below what the group has acknowledged: entries older than both the oldest
     * pending entry and the last delivered one. Returns how many entries were removed.
     */
    public long trimAcknowledged() {
        List<StreamGroupInfo> groups;
        try {
            groups = redis.xinfoGroups(stream);
        } catch (JedisDataException e) {
            return 0; // no stream yet
        }
        StreamEntryID floor = null;
        for (StreamGroupInfo group : groups) {
            StreamEntryID candidate = group.getLastDeliveredId();
            StreamPendingSummary pending = redis.xpending(stream, group.getName());
            if (pending.getTotal() > 0 && pending.getMinId().compareTo(candidate) < 0) {
                candidate = pending.getMinId();
            }
            floor = floor == null || candidate.compareTo(floor) < 0 ? candidate : floor;
        }
        if (floor == null) {
            return 0;
        }
        return redis.xtrim(stream, XTrimParams.xTrimParams().minId(floor.toString()));
    }

    /** The queue's figures ({@link QueueFigures}: one definition, also the balancer's). */
    public QueueFigures stats(long nowMillis) {
        return QueueFigures.parse(redis.eval(QueueFigures.SCRIPT, QueueFigures.keys(type), List.of(GROUP)), nowMillis);
    }

    public List<DeadLetter> deadLetters(int limit) {
        List<DeadLetter> letters = new ArrayList<>();
        for (StreamEntry entry : redis.xrange(dead, "-", "+", limit)) {
            Map<String, String> fields = entry.getFields();
            letters.add(new DeadLetter(entry.getID().toString(), Job.fromFields(fields), fields.getOrDefault("error", "")));
        }
        return letters;
    }

    /** Puts one dead letter back on the stream as a first attempt; false when it is no longer there. */
    public boolean redrive(DeadLetter letter) {
        Job fresh = letter.job().firstAttempt();
        List<String> args = new ArrayList<>(List.of(letter.entryId()));
        fresh.fields().forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return Long.valueOf(1).equals(redis.eval(REDRIVE, List.of(dead, stream), args));
    }

    // After Redis lost its data the group is gone: recreate it and try once more.
    private <T> T withGroup(Supplier<T> call) {
        try {
            return call.get();
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("NOGROUP")) {
                throw e;
            }
            ensureGroup();
            return call.get();
        }
    }

    private static String toJson(Map<String, String> fields) {
        try {
            return JSON.writeValueAsString(new HashMap<>(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> fromJson(String json) {
        try {
            return JSON.readValue(json, new TypeReference<>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
