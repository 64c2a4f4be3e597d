package io.loomcluster.lb.metrics;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-backend meters when one instance is a backend of two pools (routes), and with one pool. */
class LbMetricsTest {
    @Test
    void oneInstanceInTwoPoolsIsCountedInEachPoolsOwnSeries() {
        Backend streams = new Backend(URI.create("http://127.0.0.1:8081"));
        Backend api = new Backend(URI.create("http://127.0.0.1:8081"));
        try (LbMetrics metrics = new LbMetrics(() -> new BackendPool.Snapshot(List.of(streams, api), List.of(streams, api)),
                () -> 0, () -> 0)) {
            Map<Backend, String> poolOf = new IdentityHashMap<>();
            poolOf.put(streams, "streams");
            poolOf.put(api, "api");
            metrics.backends(poolOf);
            streams.begin();
            streams.end(1_000_000, false);
            for (int i = 0; i < 3; i++) {
                api.begin();
                api.end(1_000_000, false);
            }
            metrics.record(api, 200, 1_000_000);

            String text = metrics.scrape();
            assertThat(text).contains("lb_backend_requests_total{backend=\"127.0.0.1:8081\",pool=\"streams\"} 1.0")
                    .contains("lb_backend_requests_total{backend=\"127.0.0.1:8081\",pool=\"api\"} 3.0")
                    .contains("lb_request_duration_seconds_count{backend=\"127.0.0.1:8081\",pool=\"api\",status=\"2xx\"} 1");
            assertThat(text).doesNotContain("lb_request_duration_seconds_count{backend=\"127.0.0.1:8081\",pool=\"streams\",status=\"2xx\"} 1");

            poolOf.remove(streams);
            metrics.backends(poolOf);
            assertThat(metrics.scrape()).as("a backend gone from its pool takes its series with it")
                    .doesNotContain("pool=\"streams\"").contains("pool=\"api\"");
        }
    }

    @Test
    void withOnePoolTheSeriesCarryNoPoolTag() {
        Backend only = new Backend(URI.create("http://127.0.0.1:8082"));
        try (LbMetrics metrics = new LbMetrics(() -> new BackendPool.Snapshot(List.of(only), List.of(only)), () -> 0, () -> 0)) {
            Map<Backend, String> onePool = new IdentityHashMap<>();
            onePool.put(only, null);
            metrics.backends(onePool);
            assertThat(metrics.scrape()).contains("lb_backend_requests_total{backend=\"127.0.0.1:8082\"} 0.0")
                    .doesNotContain("pool=");
        }
    }
}
