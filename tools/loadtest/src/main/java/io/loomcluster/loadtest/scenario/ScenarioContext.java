package io.loomcluster.loadtest.scenario;

import io.loomcluster.loadtest.api.Api;
import io.loomcluster.loadtest.api.Targets;
import io.loomcluster.loadtest.fixture.Fixture;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.realtime.Deliveries;
import io.loomcluster.loadtest.realtime.Transport;

import java.time.Duration;

/** What every scenario works with during one measured window. */
public record ScenarioContext(Api api, Targets targets, Fixture fixture, Metrics metrics,
                              Deliveries deliveries, Transport transport, Duration setupTimeout,
                              Duration requestTimeout, String payload) {

    /** The payload of chat messages: {@code bytes} printable characters. */
    public static String payload(int bytes) {
        return "x".repeat(Math.max(1, bytes));
    }
}
