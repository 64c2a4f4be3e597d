package io.loomcluster.lb.backend;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The known backends and their states. Membership and state changes are rare and serialised by a
 * lock that never covers I/O; each change publishes a new immutable {@link Snapshot} that the
 * request path reads without locking.
 */
public final class BackendPool {
    private static final Logger LOG = LoggerFactory.getLogger(BackendPool.class);

    /** Every known backend and, separately, those that may take new requests. */
    public record Snapshot(List<Backend> all, List<Backend> available) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<URI, Backend> backends = new LinkedHashMap<>();
    private volatile Snapshot snapshot = new Snapshot(List.of(), List.of());

    public Snapshot snapshot() {
        return snapshot;
    }

    /** Replaces the membership with what discovery reports; returns the backends that are new. */
    public List<Backend> update(Collection<URI> discovered) {
        List<Backend> added = new ArrayList<>();
        List<Backend> removed = new ArrayList<>();
        lock.lock();
        try {
            for (URI uri : discovered) {
                if (!backends.containsKey(uri)) {
                    Backend backend = new Backend(uri);
                    backends.put(uri, backend);
                    added.add(backend);
                }
            }
            backends.values().removeIf(backend -> {
                if (discovered.contains(backend.uri())) {
                    return false;
                }
                backend.state(BackendState.REMOVED);
                removed.add(backend);
                return true;
            });
            publish();
        } finally {
            lock.unlock();
        }
        added.forEach(backend -> LOG.info("backend {} discovered", backend));
        removed.forEach(backend -> LOG.info("backend {} removed (no longer discovered; {} in flight finish)",
                backend, backend.inFlight()));
        return added;
    }

    /** A passing check: new backends are admitted at once, others after {@code rise} passes in a row. */
    public void onPass(Backend backend, int rise) {
        backend.consecutiveFailures().set(0);
        int passes = backend.consecutivePasses().incrementAndGet();
        BackendState state = backend.state();
        if (state == BackendState.NEW || (state != BackendState.HEALTHY && passes >= rise)) {
            transition(backend, BackendState.HEALTHY, state == BackendState.NEW ? "admitted" : "readmitted",
                    "after " + passes + " passing check(s)");
        }
    }

    /** Readiness said 503: stop sending new requests, let in-flight ones finish. */
    public void onNotReady(Backend backend) {
        backend.consecutivePasses().set(0);
        if (backend.state() != BackendState.DRAINING) {
            transition(backend, BackendState.DRAINING, "draining", "readiness answered 503, " + backend.inFlight()
                    + " in flight finish");
        }
    }

    /** A failed check or connection; {@code fall} failures in a row eject the backend. */
    public void onFailure(Backend backend, int fall, String reason) {
        backend.consecutivePasses().set(0);
        int failures = backend.consecutiveFailures().incrementAndGet();
        BackendState state = backend.state();
        boolean eject = state == BackendState.NEW || failures >= fall;
        if (eject && state != BackendState.EJECTED && state != BackendState.REMOVED) {
            transition(backend, BackendState.EJECTED, "ejected", "after " + failures + " failure(s): " + reason);
        }
    }

    /** A request got an answer: the failure streak ends. Cheap when there was none. */
    public void onAnswered(Backend backend) {
        if (backend.consecutiveFailures().get() != 0) {
            backend.consecutiveFailures().set(0);
        }
    }

    private void transition(Backend backend, BackendState to, String event, String detail) {
        BackendState from;
        lock.lock();
        try {
            from = backend.state();
            if (from == to || from == BackendState.REMOVED) {
                return;
            }
            backend.state(to);
            publish();
        } finally {
            lock.unlock();
        }
        // Logged outside the lock: writing a log line is I/O.
        if (to == BackendState.EJECTED) {
            LOG.warn("backend {} {} ({}; was {})", backend, event, detail, from);
        } else {
            LOG.info("backend {} {} ({}; was {})", backend, event, detail, from);
        }
    }

    private void publish() {
        List<Backend> all = List.copyOf(backends.values());
        List<Backend> available = all.stream().filter(b -> b.state() == BackendState.HEALTHY).toList();
        snapshot = new Snapshot(all, available);
    }
}
