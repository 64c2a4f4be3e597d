package io.loomcluster.app.config;

import io.loomcluster.contract.Env;

import java.time.Duration;

/**
 * The limits on logins and registrations, per client (its address key, IPv6 by /64) and per username;
 * counted in Redis, shared by every instance.
 */
public record AbuseLimits(
        int loginPerAddressAndUser,
        int loginPerAddress,
        Duration loginWindow,
        int loginFailuresPerUser,
        Duration loginFailureWindow,
        int registrationsPerAddress,
        Duration registrationWindow) {

    static AbuseLimits fromEnvironment(Env e) {
        e.removed("LOGIN_LIMIT_PER_USER", "a stranger could lock an account out with it: use LOGIN_LIMIT_PER_ADDRESS_AND_USER"
                + " (per client and username) and LOGIN_FAILURES_PER_USER (failures per username from anywhere)");
        return new AbuseLimits(
                e.integer("LOGIN_LIMIT_PER_ADDRESS_AND_USER", 10, 1, 1_000_000),
                e.integer("LOGIN_LIMIT_PER_ADDRESS", 100, 1, 1_000_000),
                e.duration("LOGIN_LIMIT_WINDOW", Duration.ofMinutes(1), Duration.ofSeconds(1)),
                e.integer("LOGIN_FAILURES_PER_USER", 100, 1, 1_000_000),
                e.duration("LOGIN_FAILURE_WINDOW", Duration.ofHours(1), Duration.ofSeconds(1)),
                e.integer("REGISTRATION_LIMIT_PER_ADDRESS", 20, 1, 1_000_000),
                e.duration("REGISTRATION_LIMIT_WINDOW", Duration.ofHours(1), Duration.ofSeconds(1)));
    }
}
