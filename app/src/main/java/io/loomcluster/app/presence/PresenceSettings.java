package io.loomcluster.app.presence;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Env;

import java.time.Duration;

/**
 * How presence keeps Redis up to date: changes are flushed every {@code flushInterval}; each
 * instance renews its lease every {@code heartbeat} for {@code ttl}; a user whose last connection
 * closed stays present for {@code leaveGrace} (a reload or a re-issued long-poll is not a leave).
 * A killed instance's entries disappear within {@code ttl + heartbeat}.
 */
public record PresenceSettings(Duration flushInterval, Duration heartbeat, Duration ttl, Duration leaveGrace) {
    public static final Duration MAX_BOUND = Duration.ofSeconds(30);

    public PresenceSettings {
        if (ttl.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new ConfigException("PRESENCE_TTL (" + ttl + ") must be at least twice PRESENCE_HEARTBEAT ("
                    + heartbeat + "): one late heartbeat must not get an instance's users swept");
        }
        if (ttl.plus(heartbeat).compareTo(MAX_BOUND) > 0) {
            throw new ConfigException("PRESENCE_TTL + PRESENCE_HEARTBEAT (" + ttl.plus(heartbeat)
                    + ") must be at most 30s: it bounds how long a killed instance's users stay present");
        }
    }

    public static PresenceSettings defaults() {
        return new PresenceSettings(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(2));
    }

    public static PresenceSettings fromEnvironment(Env e) {
        PresenceSettings d = defaults();
        return new PresenceSettings(
                e.duration("PRESENCE_FLUSH_INTERVAL", d.flushInterval(), Duration.ofMillis(10)),
                e.duration("PRESENCE_HEARTBEAT", d.heartbeat(), Duration.ofMillis(100)),
                e.duration("PRESENCE_TTL", d.ttl(), Duration.ofMillis(200)),
                e.duration("PRESENCE_LEAVE_GRACE", d.leaveGrace()));
    }

    /** How long a killed instance's users can stay present: its lease, then the next sweep. */
    public Duration bound() {
        return ttl.plus(heartbeat);
    }
}
