package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;

import java.util.List;
import java.util.Set;

/**
 * Picks the backend for the next request from the currently available ones (a retry passes the
 * candidates without the backends it already tried).
 */
public interface SelectionStrategy {
    /** The strategies {@code LB_STRATEGY} and {@code LB_POOL_<NAME>_STRATEGY} may name. */
    Set<String> NAMES = Set.of("round-robin", "least-requests", "p2c");

    /**
     * @param candidates the available backends, an immutable snapshot
     * @return the chosen backend, or {@code null} when there is none
     */
    Backend select(List<Backend> candidates);

    static SelectionStrategy named(String name) {
        return switch (name) {
            case "round-robin" -> new RoundRobinStrategy();
            case "least-requests" -> new LeastRequestsStrategy();
            case "p2c" -> new PowerOfTwoChoicesStrategy();
            default -> throw new IllegalArgumentException("unknown strategy " + name + "; one of " + NAMES);
        };
    }
}
