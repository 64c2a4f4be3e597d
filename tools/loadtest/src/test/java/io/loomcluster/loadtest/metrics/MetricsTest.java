package io.loomcluster.loadtest.metrics;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MetricsTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_000_000_000_000L;

    @Test
    void knownLatenciesGiveTheExpectedPercentiles() {
        Metrics metrics = new Metrics();
        // 1..1000 ms, one each: p50 = 500, p90 = 900, p99 = 990, p99.9 = 999, max = 1000 (HdrHistogram: 3 digits).
        for (int ms = 1; ms <= 1000; ms++) {
            metrics.begin(T0).response("GET /x", 200, "app-1", T0 + ms * MS);
        }
        metrics.takeInterval(1, 1, 0);
        LatencyStats stats = metrics.latency();
        assertThat(stats.count()).isEqualTo(1000);
        assertThat(stats.p50()).isCloseTo(500, within(0.5));
        assertThat(stats.p90()).isCloseTo(900, within(0.9));
        assertThat(stats.p99()).isCloseTo(990, within(1.0));
        assertThat(stats.p999()).isCloseTo(999, within(1.0));
        assertThat(stats.max()).isCloseTo(1000, within(1.0));
        assertThat(stats.mean()).isCloseTo(500.5, within(0.5));
    }

    @Test
    void latencyCountsFromTheIntendedStartNotFromWhenTheRequestWasSent() {
        Metrics metrics = new Metrics();
        // Due at T0, sent 90 ms late because the generator or the server was stalled, answered 10 ms later.
        Ticket late = metrics.begin(T0);
        late.response("GET /x", 200, "app-1", T0 + 100 * MS);
        metrics.takeInterval(1, 1, 0);
        assertThat(metrics.latency().max()).isCloseTo(100, within(0.1));
    }

    @Test
    void everyRequestIsCountedOnceAsSuccessOrError() {
        Metrics metrics = new Metrics();
        metrics.begin(T0).response("GET /x", 200, "app-1", T0 + MS);
        metrics.begin(T0).response("GET /x", 201, "app-2", T0 + MS);
        metrics.begin(T0).response("GET /x", 503, "app-2", T0 + MS);
        metrics.begin(T0).failure("GET /x", "timeout", T0 + MS);
        metrics.drop(T0);
        Ticket twice = metrics.begin(T0);
        twice.response("GET /x", 200, "app-1", T0 + MS);
        twice.failure("GET /x", "timeout", T0 + 2 * MS);
        Ticket stuck = metrics.begin(T0);
        assertThat(metrics.inFlight()).isEqualTo(1);
        assertThat(metrics.abandonInFlight()).isEqualTo(1);
        stuck.response("GET /x", 200, "app-1", T0 + 5000 * MS);

        IntervalSample interval = metrics.takeInterval(1, 1, 0);
        Totals totals = metrics.totals(1);
        assertThat(totals.requests()).isEqualTo(7);
        assertThat(totals.successes()).isEqualTo(3);
        assertThat(totals.errors()).isEqualTo(4);
        assertThat(totals.dropped()).isEqualTo(1);
        assertThat(totals.abandoned()).isEqualTo(1);
        assertThat(totals.requests()).isEqualTo(totals.successes() + totals.errors());
        assertThat(metrics.errorsByStatus()).isEqualTo(Map.of("503", 1L));
        assertThat(metrics.errorsByCause()).isEqualTo(Map.of("timeout", 1L, Metrics.DROPPED, 1L, Metrics.ABANDONED, 1L));
        assertThat(metrics.instances()).isEqualTo(Map.of("app-1", 2L, "app-2", 1L));
        assertThat(interval.requests()).isEqualTo(7);
        assertThat(interval.errors()).isEqualTo(4);
        // Dropped and abandoned requests have no latency; the five answered ones do.
        assertThat(metrics.latency().count()).isEqualTo(5);
        assertThat(metrics.inFlight()).isZero();
    }

    @Test
    void intervalsHoldOnlyTheirOwnRequestsWhileTheCumulativeHoldsAll() {
        Metrics metrics = new Metrics();
        metrics.begin(T0).response("GET /a", 200, "app-1", T0 + 10 * MS);
        IntervalSample first = metrics.takeInterval(1, 1, 0);
        metrics.begin(T0).response("GET /b", 200, "app-1", T0 + 300 * MS);
        metrics.begin(T0).response("GET /b", 200, "app-1", T0 + 300 * MS);
        IntervalSample second = metrics.takeInterval(2, 0.5, 0);

        assertThat(first.requests()).isEqualTo(1);
        assertThat(first.p99()).isCloseTo(10, within(0.1));
        assertThat(second.requests()).isEqualTo(2);
        assertThat(second.rate()).isEqualTo(4.0);
        assertThat(second.p50()).isCloseTo(300, within(0.3));
        assertThat(metrics.latency().count()).isEqualTo(3);
        assertThat(metrics.latencyByOperation()).containsOnlyKeys("GET /a", "GET /b");
        assertThat(metrics.latencyByOperation().get("GET /b").count()).isEqualTo(2);
    }

    @Test
    void deliveriesAreRecordedSeparately() {
        Metrics metrics = new Metrics();
        metrics.delivered(7 * MS);
        metrics.delivered(9 * MS);
        metrics.duplicate();
        IntervalSample interval = metrics.takeInterval(1, 1, 0);
        assertThat(interval.deliveries()).isEqualTo(2);
        assertThat(metrics.deliveries()).isEqualTo(2);
        assertThat(metrics.duplicates()).isEqualTo(1);
        assertThat(metrics.deliveryLatency().max()).isCloseTo(9, within(0.01));
        assertThat(metrics.totals(1).requests()).isZero();
    }
}
