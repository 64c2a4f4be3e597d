package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;

import java.util.List;

/** Picks the backend for the next request from the currently available ones. */
public interface SelectionStrategy {

    /**
     * @param candidates the available backends, an immutable snapshot
     * @param excluded a backend that just failed this request (retry), or {@code null}
     * @return the chosen backend, or {@code null} when there is none besides {@code excluded}
     */
    Backend select(List<Backend> candidates, Backend excluded);

    static SelectionStrategy named(String name) {
        return switch (name) {
            case "round-robin" -> new RoundRobinStrategy();
            case "least-requests" -> new LeastRequestsStrategy();
            case "p2c" -> new PowerOfTwoChoicesStrategy();
            default -> throw new IllegalArgumentException("unknown strategy " + name);
        };
    }
}
