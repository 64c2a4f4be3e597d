package io.loomcluster.lb.metrics;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.backend.BackendState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;

import java.util.function.Supplier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The balancer's Prometheus metrics (Micrometer). Request durations are histograms with fixed
 * buckets, by backend and status class, so that the series of several balancers add up
 * ({@code sum by (le) (rate(lb_request_duration_seconds_bucket[1m]))}). Per-backend meters come and
 * go with discovery. The request path only looks up a timer and records into it.
 */
public final class LbMetrics implements AutoCloseable {
    /** Bucket bounds of the request duration histograms: from a fast API call to a long-poll. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};
    private static final String[] CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

    /** One event loop's gauges: its queue of pending tasks and its client connections. */
    private final java.util.concurrent.ConcurrentMap<String, Counter> failures = new java.util.concurrent.ConcurrentHashMap<>();

    public record LoopGauges(EventExecutor loop, IntSupplier clientConnections) {
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Backend, List<Meter>> backendMeters = new ConcurrentHashMap<>();
    private final Map<Backend, Timer[]> timers = new ConcurrentHashMap<>();
    private final Timer[] withoutBackend;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    // Micrometer holds a meter's state object weakly; these suppliers are kept here so they stay.
    private final IntSupplier dashboardStreams;
    private final LongSupplier accessLogDropped;

    public LbMetrics(Supplier<BackendPool.Snapshot> pool, IntSupplier dashboardStreams, LongSupplier accessLogDropped) {
        this.dashboardStreams = dashboardStreams;
        this.accessLogDropped = accessLogDropped;
        withoutBackend = timers(Tags.of("backend", "none"));
        Gauge.builder("lb.backends.available", pool, p -> p.get().available().size())
                .description("Backends taking new requests").register(registry);
        FunctionCounter.builder("lb.requests", pool, p -> p.get().all().stream().mapToLong(Backend::requests).sum())
                .description("Attempts sent to all backends").register(registry);
        Gauge.builder("lb.dashboard.streams", dashboardStreams, s -> s.getAsInt())
                .description("Open dashboard event streams on the admin port").strongReference(true).register(registry);
        FunctionCounter.builder("lb.access.log.dropped", accessLogDropped, s -> s.getAsLong())
                .description("Access log lines dropped because the log's queue was full").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Registers the gauges of the event loops (once, when the proxy starts). */
    public void eventLoops(List<LoopGauges> loops) {
        for (int i = 0; i < loops.size(); i++) {
            LoopGauges loop = loops.get(i);
            String name = Integer.toString(i);
            if (loop.loop() instanceof SingleThreadEventExecutor executor) {
                Gauge.builder("lb.event.loop.pending.tasks", executor, SingleThreadEventExecutor::pendingTasks)
                        .tag("loop", name).description("Tasks waiting in the event loop's queue").register(registry);
            }
            Gauge.builder("lb.event.loop.client.connections", loop.clientConnections(), s -> s.getAsInt())
                    .tag("loop", name).description("Client connections served by the event loop").strongReference(true)
                    .register(registry);
        }
    }

    /**
     * Follows discovery: meters for new backends, none kept for removed ones. Each backend comes
     * with the name of its pool (route), a {@code pool} tag on its meters, since one instance is a
     * backend of every pool it serves and each pool's backend counts its own requests; a null name
     * (one pool) means no tag.
     */
    public void backends(Map<Backend, String> poolOf) {
        poolOf.forEach((backend, pool) -> backendMeters.computeIfAbsent(backend, b -> register(b, pool)));
        for (Backend known : List.copyOf(backendMeters.keySet())) {
            if (!poolOf.containsKey(known)) {
                backendMeters.remove(known).forEach(registry::remove);
                timers.remove(known);
            }
        }
    }

    /** One finished request: its backend (null when none was reached), the status the client got, its duration. */
    public void record(Backend backend, int status, long nanos) {
        Timer[] byClass = backend == null ? withoutBackend : timers.get(backend);
        if (byClass == null) {
            byClass = withoutBackend;
        }
        int index = status >= 100 && status < 600 ? status / 100 : 0;
        byClass[index].record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * An answer of the balancer's own that names the bound or failure behind it ({@code cause}: the
     * proxy's failure kind, e.g. {@code queue_full} or {@code streams_full}); counted as
     * {@code lb_failures_total{cause}} and listed in {@code /status}.
     */
    public void failure(String cause) {
        failures.computeIfAbsent(cause, c -> Counter.builder("lb.failures").tag("cause", c)
                .description("Requests answered by the balancer because of a failure or a bound, by cause")
                .register(registry)).increment();
    }

    /** The failures counted so far, by cause. */
    public Map<String, Long> failures() {
        Map<String, Long> result = new java.util.TreeMap<>();
        failures.forEach((cause, counter) -> result.put(cause, (long) counter.count()));
        return result;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    private List<Meter> register(Backend backend, String pool) {
        Tags tags = pool == null ? Tags.of("backend", backend.address()) : Tags.of("backend", backend.address(), "pool", pool);
        List<Meter> meters = new ArrayList<>();
        meters.add(FunctionCounter.builder("lb.backend.requests", backend, Backend::requests).tags(tags)
                .description("Requests sent to the backend (each attempt)").register(registry));
        meters.add(FunctionCounter.builder("lb.backend.failures", backend, Backend::failures).tags(tags)
                .description("Attempts that failed (connect, reset, timeout)").register(registry));
        meters.add(Gauge.builder("lb.backend.in.flight", backend, Backend::inFlight).tags(tags)
                .description("Requests in flight to the backend").register(registry));
        meters.add(Gauge.builder("lb.backend.connections", backend, Backend::connections).tags(tags)
                .description("Open connections from the balancer to the backend").register(registry));
        meters.add(Gauge.builder("lb.backend.up", backend, b -> b.state() == BackendState.HEALTHY ? 1 : 0)
                .tags(tags).description("1 when the backend takes new requests").register(registry));
        for (BackendState state : BackendState.values()) {
            meters.add(Gauge.builder("lb.backend.state", backend, b -> b.state() == state ? 1 : 0)
                    .tags(tags.and("state", state.name().toLowerCase(Locale.ROOT)))
                    .description("1 for the backend's current state").register(registry));
        }
        Timer[] byClass = timers(tags);
        timers.put(backend, byClass);
        meters.addAll(List.of(byClass));
        return meters;
    }

    private Timer[] timers(Tags tags) {
        Timer[] byClass = new Timer[CLASSES.length];
        for (int i = 0; i < CLASSES.length; i++) {
            byClass[i] = Timer.builder("lb.request.duration")
                    .description("Requests from arrival to the end of the answer, as the client saw them")
                    .tags(tags.and("status", CLASSES[i]))
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry);
        }
        return byClass;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
