package io.loomcluster.app.messages;

/**
 * Admits or refuses one write by a user, for every entry point alike (REST, GraphQL, any later
 * one), because the service calls it, not the routes. Refusal is {@code DomainException.LimitReached}.
 */
@FunctionalInterface
public interface WriteLimiter {
    void admit(long userId);
}
