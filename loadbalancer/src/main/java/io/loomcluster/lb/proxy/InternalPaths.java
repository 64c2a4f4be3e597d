package io.loomcluster.lb.proxy;

/**
 * Paths of the app that are for the operator, not for clients: {@code /metrics}, which Prometheus
 * scrapes on each instance directly. Through the balancer they answer 404. The check reads the
 * path as the app's server would route it ({@link RequestPath}) in any case, so {@code /%6Detrics}
 * or {@code //metrics/} does not slip past it.
 */
final class InternalPaths {
    private static final String BLOCKED = "/metrics";

    private InternalPaths() {
    }

    static boolean blocked(RequestPath path) {
        return path.path().equalsIgnoreCase(BLOCKED);
    }

    static boolean blocked(String target) {
        return blocked(RequestPath.of(target));
    }
}
