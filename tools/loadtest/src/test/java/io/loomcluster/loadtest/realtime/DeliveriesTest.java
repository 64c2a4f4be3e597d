package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.metrics.Metrics;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveriesTest {
    private static final URI A = URI.create("http://127.0.0.1:8081");
    private static final URI B = URI.create("http://127.0.0.1:8082");

    @Test
    void aTagCarriesTheSendTimeAndTheTargetItWasPostedTo() {
        Deliveries deliveries = new Deliveries("run1", new Metrics(), 1, List.of(A, B));
        String text = deliveries.tag(12345, B, "xx");
        assertThat(text).isEqualTo("lt:run1:12345:1:xx");
        assertThat(deliveries.sentNanos(text)).isEqualTo(12345);
        assertThat(deliveries.sentNanos("lt:other:12345:1:xx")).isEqualTo(-1);
    }

    @Test
    void deliveriesAreSplitByTransportAndBySameOrOtherTarget() {
        Metrics metrics = new Metrics();
        Deliveries deliveries = new Deliveries("run1", metrics, 1, List.of(A, B));
        String fromA = deliveries.tag(1_000_000, A, "x");
        deliveries.received(fromA, 3_000_000, "ws", deliveries.target(A));
        deliveries.received(fromA, 5_000_000, "ws", deliveries.target(B));
        deliveries.received(fromA, 7_000_000, "sse", deliveries.target(B));
        metrics.takeInterval(1, 1, 0);
        assertThat(metrics.deliveryLatencyByPath()).containsOnlyKeys("ws same-target", "ws cross-target", "sse cross-target");
        assertThat(metrics.deliveryLatencyByPath().get("ws cross-target").count()).isEqualTo(1);
        assertThat(metrics.deliveryLatency().count()).isEqualTo(3);
    }

    @Test
    void withOneTargetOrAnUntaggedOriginOnlyTheTransportIsKnown() {
        Deliveries single = new Deliveries("run1", new Metrics(), 1, List.of(A));
        assertThat(single.path(single.tag(1, A, "x"), "sse", 0)).isEqualTo("sse");
        Deliveries two = new Deliveries("run1", new Metrics(), 1, List.of(A, B));
        assertThat(two.path("lt:run1:1:hello", "longpoll", 0)).isEqualTo("longpoll");
        assertThat(two.path(two.tag(1, URI.create("http://elsewhere:1"), "x"), "ws", 0)).isEqualTo("ws");
    }
}
