package io.loomcluster.app.presence;

import io.loomcluster.app.redis.Redis;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Presence in Redis. Per room, a hash {@code loom:presence:room:<room>}: user id → how many
 * instances hold a live connection of that user to the room. Per instance, a set
 * {@code loom:presence:instance:<instance>} of its entries "room:user:username", and its lease in
 * the sorted set {@code loom:presence:instances} (score: expiry, epoch ms). Each script keeps the
 * three consistent (an entry is counted in the hash exactly when it is in its instance's set, so
 * every change is idempotent) and publishes the cluster-wide transitions it caused, one PUBLISH per
 * call, on {@link #CHANNEL}: lines "j:room:user:username" (0 → 1 instances) and "l:…" (1 → 0).
 */
final class PresenceStore {
    static final String CHANNEL = "loom:presence";
    static final String ROOM = "loom:presence:room:";
    static final String INSTANCE = "loom:presence:instance:";
    static final String INSTANCES = "loom:presence:instances";
    // At most this many dead instances are swept per heartbeat (each in the same script call).
    private static final int SWEEP_LIMIT = 10;

    // Shared by the scripts: add or remove one entry of an instance; returns a transition line or nil.
    private static final String ENTRY = """
            local function change(set, entry, add)
              local room, user = string.match(entry, '^(%d+):(%d+):')
              local hash = 'ROOM_PREFIX' .. room
              if add then
                if redis.call('SADD', set, entry) == 1 and redis.call('HINCRBY', hash, user, 1) == 1 then
                  return 'j:' .. entry
                end
              elseif redis.call('SREM', set, entry) == 1 and redis.call('HINCRBY', hash, user, -1) <= 0 then
                redis.call('HDEL', hash, user)
                return 'l:' .. entry
              end
              return nil
            end
            local function announce(events)
              if #events > 0 then redis.call('PUBLISH', 'CHANNEL_NAME', table.concat(events, '\\n')) end
            end
            """.replace("ROOM_PREFIX", ROOM).replace("CHANNEL_NAME", CHANNEL);

    // KEYS: instances, my set. ARGV: me, then "+entry" / "-entry". -1 when this instance has no lease (swept).
    private static final String APPLY = ENTRY + """
            if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
            local events = {}
            for i = 2, #ARGV do
              local e = change(KEYS[2], string.sub(ARGV[i], 2), string.sub(ARGV[i], 1, 1) == '+')
              if e then events[#events + 1] = e end
            end
            announce(events)
            return #events
            """;

    // KEYS: instances, my set. ARGV: me, now, lease expiry, expected entries, sweep (1/0).
    // Returns {1 when the lease existed and the set holds the expected count, instances swept}.
    private static final String BEAT = ENTRY + """
            local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
            local consistent = known and redis.call('SCARD', KEYS[2]) == tonumber(ARGV[4])
            if known then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) end
            local swept = 0
            if ARGV[5] == '1' then
              local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, SWEEP_LIMIT)
              for _, instance in ipairs(dead) do
                local set = 'INSTANCE_PREFIX' .. instance
                local events = {}
                for _, entry in ipairs(redis.call('SMEMBERS', set)) do
                  local e = change(set, entry, false)
                  if e then events[#events + 1] = e end
                end
                redis.call('DEL', set)
                redis.call('ZREM', KEYS[1], instance)
                announce(events)
                swept = swept + 1
              end
            end
            return {consistent and 1 or 0, swept}
            """.replace("SWEEP_LIMIT", Integer.toString(SWEEP_LIMIT)).replace("INSTANCE_PREFIX", INSTANCE);

    // KEYS: instances, my set. ARGV: me, lease expiry (or 'withdraw'), then every entry to hold.
    private static final String RESET = ENTRY + """
            local want = {}
            for i = 3, #ARGV do want[ARGV[i]] = true end
            local events = {}
            for _, entry in ipairs(redis.call('SMEMBERS', KEYS[2])) do
              if want[entry] then
                want[entry] = nil
              else
                local e = change(KEYS[2], entry, false)
                if e then events[#events + 1] = e end
              end
            end
            for i = 3, #ARGV do
              if want[ARGV[i]] then
                local e = change(KEYS[2], ARGV[i], true)
                if e then events[#events + 1] = e end
              end
            end
            if ARGV[2] == 'withdraw' then
              redis.call('ZREM', KEYS[1], ARGV[1])
            else
              redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            end
            announce(events)
            return #events
            """;

    /** What a heartbeat found: whether Redis holds what this instance expects, and how many dead instances it swept. */
    record Beat(boolean consistent, long swept) {
    }

    private final Redis redis;
    private final String instance;
    private final List<String> keys;
    private final Clock clock;
    private final long ttlMillis;

    PresenceStore(Redis redis, String instance, Clock clock, Duration ttl) {
        this.redis = redis;
        this.instance = instance;
        this.keys = List.of(INSTANCES, INSTANCE + instance);
        this.clock = clock;
        this.ttlMillis = ttl.toMillis();
    }

    /** Applies the changes; false when this instance has no lease (it was swept, or Redis lost it): then {@link #reset}. */
    boolean apply(List<LocalPresence.Change> changes) {
        List<String> args = new ArrayList<>(changes.size() + 1);
        args.add(instance);
        for (LocalPresence.Change c : changes) {
            args.add((c.add() ? "+" : "-") + c.entry());
        }
        return ((Long) redis.client().eval(APPLY, keys, args)) >= 0;
    }

    /** Renews this instance's lease and, when {@code sweep}, removes the entries of instances whose lease ended. */
    Beat beat(int expected, boolean sweep) {
        long now = clock.millis();
        List<?> reply = (List<?>) redis.client().eval(BEAT, keys, List.of(instance, Long.toString(now),
                Long.toString(now + ttlMillis), Integer.toString(expected), sweep ? "1" : "0"));
        return new Beat(((Long) reply.get(0)) == 1, (Long) reply.get(1));
    }

    /** Makes Redis hold exactly these entries for this instance, and takes a new lease. */
    void reset(List<LocalPresence.Change> held) {
        replace(Long.toString(clock.millis() + ttlMillis), held);
    }

    /** Removes this instance's entries and lease (a graceful shutdown): its users leave at once. */
    void withdraw() {
        replace("withdraw", List.of());
    }

    private void replace(String lease, List<LocalPresence.Change> held) {
        List<String> args = new ArrayList<>(held.size() + 2);
        args.add(instance);
        args.add(lease);
        held.forEach(c -> args.add(c.entry()));
        redis.client().eval(RESET, keys, args);
    }

    /** The users present in the room, anywhere in the cluster. */
    List<Long> users(long roomId) {
        return redis.client().hkeys(ROOM + roomId).stream().map(Long::parseLong).toList();
    }
}
