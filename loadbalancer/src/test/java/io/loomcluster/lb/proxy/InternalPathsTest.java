package io.loomcluster.lb.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class InternalPathsTest {
    @ParameterizedTest
    @ValueSource(strings = {"/metrics", "/metrics?x=1", "/metrics/", "//metrics", "/METRICS", "/%6Detrics",
            "/%6d%65trics", "/./metrics", "/api/../metrics", "/metrics;jsessionid=1", "http://app:8081/metrics",
            "/metrics#top", "/%2Fmetrics"})
    void theMetricsPathInAnySpellingTheAppWouldRouteIsBlocked(String target) {
        assertThat(InternalPaths.blocked(target)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/api/rooms", "/api/metrics", "/metrics/x", "/metricsx", "/api/rooms?q=metrics",
            "/health/ready", "/%zzmetrics", "/graphql"})
    void everyOtherPathPasses(String target) {
        assertThat(InternalPaths.blocked(target)).isFalse();
    }
}
