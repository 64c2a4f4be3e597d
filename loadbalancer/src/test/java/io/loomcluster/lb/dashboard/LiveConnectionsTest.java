package io.loomcluster.lb.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LiveConnectionsTest {

    @Test
    void gaugesAreSummedOverTheirLabelSets() {
        String text = """
                # HELP loom_live_connections_sse open Server-Sent Events streams
                # TYPE loom_live_connections_sse gauge
                loom_live_connections_sse{instance_id="app-1"} 3.0
                loom_live_connections_sse{instance_id="app-1",room="b{}"} 2.0
                loom_live_connections_sse_total 99
                loom_live_connections_websocket{instance_id="app-1"} 7.0 1764192000000
                """;
        assertThat(LiveConnections.parse(text)).isEqualTo(new LiveConnections.Counts(5, 7));
    }

    @Test
    void unlabelledGaugesAreRead() {
        assertThat(LiveConnections.parse("loom_live_connections_websocket 4\n"))
                .isEqualTo(new LiveConnections.Counts(0, 4));
    }

    @Test
    void metricsWithoutTheGaugesGiveNoFigure() {
        assertThat(LiveConnections.parse("jvm_threads_live_threads 12.0\n")).isNull();
    }
}
