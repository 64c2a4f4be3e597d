package io.loomcluster.lb.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The settings of the event-loop data path: loops, retries, the access log, the header timeout. */
class DataPathSettingsTest {
    private static final Map<String, String> MINIMAL = Map.of("LB_BACKENDS", "http://127.0.0.1:8081");

    @Test
    void defaultsAreOneLoopPerCoreTwoRetriesTheAccessLogOnAndTenSecondsForHeaders() {
        LbConfig config = LbConfig.fromEnv(MINIMAL);
        assertThat(config.io().eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.io().retries()).isEqualTo(2);
        assertThat(config.io().accessLog()).isTrue();
        assertThat(config.timeouts().header()).isEqualTo(Duration.ofSeconds(10));
        assertThat(LbConfig.defaultEventLoops(0)).isEqualTo(1);
    }

    @Test
    void valuesAreReadAndWrongOnesNamed() {
        LbConfig config = LbConfig.fromEnv(with(Map.of("LB_EVENT_LOOPS", "3", "LB_RETRIES", "0", "LB_ACCESS_LOG", "off",
                "LB_HEADER_TIMEOUT", "2s")));
        assertThat(config.io()).isEqualTo(new LbConfig.Io(3, 0, false));
        assertThat(config.timeouts().header()).isEqualTo(Duration.ofSeconds(2));

        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LB_EVENT_LOOPS", "0"))))
                .hasMessage("LB_EVENT_LOOPS=0 is invalid; expected a whole number from 1 to 256");
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LB_RETRIES", "11"))))
                .hasMessage("LB_RETRIES=11 is invalid; expected a whole number from 0 to 10");
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LB_ACCESS_LOG", "maybe"))))
                .hasMessage("LB_ACCESS_LOG=maybe is invalid; expected true or false (or on/off)");
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LB_HEADER_TIMEOUT", "10"))))
                .hasMessageStartingWith("LB_HEADER_TIMEOUT=10 is invalid; expected a duration such as 500ms");
    }

    @Test
    void settingsOfTheJettyDataPathAreRefusedNamingTheirReplacement() {
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LB_THREADS", "200"))))
                .hasMessage("LB_THREADS=200 is no longer supported; the data path runs on event loops:"
                        + " set LB_EVENT_LOOPS (default: one per core)");
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LB_WS_MAX_MESSAGE_BYTES", "1MiB"))))
                .hasMessageStartingWith("LB_WS_MAX_MESSAGE_BYTES=1MiB is no longer supported; WebSocket frames are relayed as bytes");
    }

    private static Map<String, String> with(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(MINIMAL);
        env.putAll(extra);
        return env;
    }
}
