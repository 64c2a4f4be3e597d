package io.loomcluster.app.metrics;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** The Prometheus registry: request histograms by route and status, JVM and pool figures. */
public final class Metrics implements AutoCloseable {
    /** What {@link #scrape} answers: Prometheus text 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /**
     * Bucket bounds of {@code http_server_requests_seconds_bucket}, from a fast API call to a long-poll;
     * a cluster-wide p99 is {@code histogram_quantile(0.99, sum by (le, route) (rate(..._bucket[5m])))}.
     */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    /** Scrapes waiting for the scrape thread; one more is answered 503 (Prometheus retries next interval). */
    private static final int SCRAPES_QUEUED = 4;
    /** How long a request waits for its scrape (queue included) before it is answered 503 too. */
    private static final Duration SCRAPE_WAIT = Duration.ofSeconds(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /*
     * Scrapes run on one platform thread. The Prometheus text writer makes a new BufferedWriter per
     * scrape, and a JDK BufferedWriter made on a virtual thread starts at 512 chars and grows to
     * exactly what each write needs up to 8 192, copying its array on every write(char): a 40 KB
     * scrape allocated ~15 MB of char[] and took ~5 ms of CPU (docs/benchmarks/2026-12-06-metrics-scrape.md).
     */
    private final ThreadPoolExecutor scraper = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(SCRAPES_QUEUED), Thread.ofPlatform().name("metrics-scrape").daemon().factory());

    public Metrics(String instanceId) {
        registry.config().commonTags("instance_id", instanceId);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** Records one served request under its route template (not the raw path: ids would explode the series). */
    public void recordRequest(Context ctx, String route, Duration duration) {
        Timer.builder("http_server_requests")
                .description("HTTP requests served, by route and status")
                .tag("method", ctx.method().name())
                .tag("route", route)
                .tag("status", Integer.toString(ctx.statusCode()))
                .publishPercentileHistogram(false)
                // Fixed buckets (the balancer's): histograms add up across instances; no client-side
                // percentiles (they do not add up, and with buckets the registry does not export them).
                .serviceLevelObjectives(BUCKETS)
                .register(registry)
                .record(duration);
    }

    /**
     * The metrics named (as Prometheus' {@code name[]} selects them: {@code loom_live_connections_sse}),
     * or all of them when none is named, as Prometheus text (0.0.4). Null when {@value #SCRAPES_QUEUED}
     * scrapes are already waiting, or when this one is not done within {@link #SCRAPE_WAIT}.
     */
    public byte[] scrape(Set<String> names) {
        Future<byte[]> scrape;
        try {
            scrape = scraper.submit(() -> {
                ByteArrayOutputStream text = new ByteArrayOutputStream(64 * 1024);
                if (names.isEmpty()) {
                    registry.scrape(text, CONTENT_TYPE);
                } else {
                    registry.scrape(text, CONTENT_TYPE, names);
                }
                return text.toByteArray();
            });
        } catch (RejectedExecutionException e) {
            return null;
        }
        try {
            return scrape.get(SCRAPE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            scrape.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? new UncheckedIOException(io)
                    : new IllegalStateException("scrape failed", e.getCause());
        }
    }

    @Override
    public void close() {
        scraper.shutdownNow();
        gc.close();
        registry.close();
    }
}
