package io.loomcluster.lb.discovery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Polls a source of backends on one daemon thread and reports the set when it changes. When a poll
 * fails the last known set is kept: a DNS or Redis hiccup must not empty the balancer.
 */
abstract class PollingDiscovery implements BackendDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(PollingDiscovery.class);

    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private Set<URI> last;
    private boolean failing;

    PollingDiscovery(String name, Duration interval) {
        this.interval = interval;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** One look at the source; throws when the source cannot be read. */
    abstract Set<URI> poll() throws Exception;

    abstract String source();

    @Override
    public void start(Consumer<Set<URI>> onChange) {
        scheduler.scheduleWithFixedDelay(() -> pollOnce(onChange), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pollOnce(Consumer<Set<URI>> onChange) {
        Set<URI> current;
        try {
            current = poll();
        } catch (Exception e) {
            if (!failing) {
                LOG.warn("discovery from {} failed, keeping the last known backends: {}", source(), e.toString());
                failing = true;
            }
            return;
        }
        if (failing) {
            LOG.info("discovery from {} recovered", source());
            failing = false;
        }
        if (!current.equals(last)) {
            last = current;
            try {
                onChange.accept(current);
            } catch (RuntimeException e) {
                LOG.error("applying discovered backends failed", e);
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
