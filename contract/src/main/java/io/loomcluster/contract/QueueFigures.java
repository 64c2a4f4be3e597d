package io.loomcluster.contract;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a job queue looks like in Redis, defined once for every process that reports it (the app's
 * job metrics and {@code scripts/jobs stats}, the balancer's jobs panel): one Lua script read in one
 * round trip, atomic, and its parser. No Redis client here: each process runs {@link #SCRIPT} with its
 * own, on keys {@link #keys(String)} and argument {@link Names#JOB_GROUP}, and hands the reply to
 * {@link #parse}.
 *
 * @param length entries in the stream
 * @param waiting the group's lag: entries not yet delivered to any worker; null when Redis cannot
 *                tell (after entries were deleted) or the group does not exist
 * @param pending entries delivered and not acknowledged
 * @param oldestPendingMillis the age of the oldest of those (0 when none)
 * @param scheduled retries waiting for their time
 * @param dead dead letters
 */
public record QueueFigures(long length, Long waiting, long pending, long oldestPendingMillis, long scheduled, long dead) {

    /** KEYS: stream, retry schedule, dead letters; ARGV: the group. Returns {length, lag or -1, pending, oldest id or '', scheduled, dead}. */
    public static final String SCRIPT = """
            local length = redis.call('XLEN', KEYS[1])
            local lag, pending, oldest = -1, 0, ''
            if redis.call('TYPE', KEYS[1])['ok'] == 'stream' then
              for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
                local name, groupPending, groupLag
                for i = 1, #group, 2 do
                  if group[i] == 'name' then name = group[i + 1]
                  elseif group[i] == 'pending' then groupPending = group[i + 1]
                  elseif group[i] == 'lag' then groupLag = group[i + 1] end
                end
                if name == ARGV[1] then
                  pending = groupPending
                  if groupLag then lag = groupLag end
                end
              end
              if pending > 0 then
                oldest = redis.call('XPENDING', KEYS[1], ARGV[1])[2]
              end
            end
            return {length, lag, pending, oldest, redis.call('ZCARD', KEYS[2]), redis.call('XLEN', KEYS[3])}
            """;

    /** Nothing read yet. */
    public static final QueueFigures NONE = new QueueFigures(0, 0L, 0, 0, 0, 0);

    public static List<String> keys(String type) {
        return List.of(Names.jobStream(type), Names.jobRetries(type), Names.jobDeadLetters(type));
    }

    /** The script's reply (as a Redis client returns it: numbers as Long, strings as String or bytes). */
    public static QueueFigures parse(Object reply, long nowMillis) {
        List<?> values = (List<?>) reply;
        long lag = number(values.get(1));
        long pending = number(values.get(2));
        String oldest = text(values.get(3));
        long age = 0;
        if (pending > 0 && !oldest.isEmpty()) {
            int dash = oldest.indexOf('-');
            age = Math.max(0, nowMillis - Long.parseLong(dash < 0 ? oldest : oldest.substring(0, dash)));
        }
        return new QueueFigures(number(values.get(0)), lag < 0 ? null : lag, pending, age, number(values.get(4)),
                number(values.get(5)));
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : Long.parseLong(text(value));
    }

    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value == null ? "" : value.toString();
    }
}
