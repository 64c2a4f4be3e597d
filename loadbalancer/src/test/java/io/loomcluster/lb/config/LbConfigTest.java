package io.loomcluster.lb.config;

import io.loomcluster.contract.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LbConfigTest {
    private static final Map<String, String> MINIMAL = Map.of("LB_BACKENDS", "http://127.0.0.1:8081, http://app2:8082");

    @Test
    void defaultsNeedOnlyTheBackends() {
        LbConfig config = LbConfig.fromEnv(MINIMAL);
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.adminPort()).isEqualTo(8079);
        assertThat(config.adminHost()).isEqualTo("127.0.0.1");
        assertThat(config.strategy()).isEqualTo("round-robin");
        assertThat(config.discovery()).isEqualTo(new Discovery.Static());
        assertThat(config.backends()).containsExactly(URI.create("http://127.0.0.1:8081"), URI.create("http://app2:8082"));
        // Long-polls of up to 35 s must not be cut by either bound.
        assertThat(config.timeouts().request()).isGreaterThan(Duration.ofSeconds(35));
        assertThat(config.timeouts().idle()).isGreaterThan(Duration.ofSeconds(35));
    }

    @Test
    void theEdgeIsLimitedPerClientByDefaultExceptForTheMachineItself() {
        LbConfig.Edge edge = LbConfig.fromEnv(MINIMAL).edge();
        assertThat(edge.maxConnectionsPerClient()).isEqualTo(512);
        assertThat(edge.ratePerSecond()).isEqualTo(500.0);
        assertThat(edge.rateBurst()).isEqualTo(1000);
        assertThat(edge.limitsExempt().trusts("127.0.0.1")).isTrue();
        assertThat(edge.limitsExempt().trusts("::1")).isTrue();
        assertThat(edge.limitsExempt().trusts("10.1.2.3")).isFalse();

        LbConfig.Edge off = LbConfig.fromEnv(with("LB_RATE_LIMIT", "off", "LB_MAX_CONNECTIONS_PER_CLIENT", "0",
                "LB_CLIENT_LIMITS_EXEMPT", "none")).edge();
        assertThat(off.ratePerSecond()).isZero();
        assertThat(off.maxConnectionsPerClient()).isZero();
        assertThat(off.limitsExempt().trusts("127.0.0.1")).isFalse();
    }

    @Test
    void longLivedStreamsHaveTheirOwnBoundAndTheClientCapFitsTheOpenFileLimit() {
        LbConfig config = LbConfig.fromEnv(MINIMAL);
        assertThat(config.limits().maxStreamsPerBackend()).isEqualTo(50_000);
        assertThat(config.limits().acceptBacklog()).isEqualTo(4096);
        assertThat(LbConfig.defaultClientConnections(20_000)).isEqualTo(9_744);
        assertThat(LbConfig.defaultClientConnections(1_048_576)).isEqualTo(100_000);
        assertThat(LbConfig.fromEnv(with("LB_ROUTES", "streams: /api/rooms/*/events; api: /",
                "LB_POOL_STREAMS_BACKENDS", "http://127.0.0.1:1")).pools())
                .extracting(LbConfig.Pool::name, LbConfig.Pool::streams)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("streams", true), org.assertj.core.groups.Tuple.tuple("api", false));
    }

    private static Map<String, String> with(String... pairs) {
        Map<String, String> env = new HashMap<>(MINIMAL);
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void tracingIsOffWithoutAnEndpointAndTrustsNoClientByDefault() {
        LbConfig.Observability off = LbConfig.fromEnv(MINIMAL).tracing();
        assertThat(off.enabled()).isFalse();
        assertThat(off.trusted().trusts("127.0.0.1")).isFalse();
        assertThat(off.logFormat()).isEqualTo("text");

        LbConfig.Observability on = LbConfig.fromEnv(with(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "LB_TRACE_TRUSTED", "10.1.0.0/16", "LOG_FORMAT", "json"))).tracing();
        assertThat(on.enabled()).isTrue();
        assertThat(on.trusted().trusts("10.1.2.3")).isTrue();
        assertThat(on.trusted().trusts("10.2.0.1")).isFalse();
        assertThat(on.logFormat()).isEqualTo("json");
    }

    @Test
    void anUnknownLogFormatIsRefusedByName() {
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of("LOG_FORMAT", "xml"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LOG_FORMAT").hasMessageContaining("text or json");
    }

    @Test
    void discoveryForms() {
        assertThat(LbConfig.fromEnv(Map.of("LB_DISCOVERY", "dns:app:8081")).discovery())
                .isEqualTo(new Discovery.Dns("app", 8081));
        assertThat(LbConfig.fromEnv(Map.of("LB_DISCOVERY", "redis", "REDIS_URL", "redis://127.0.0.1:6379")).discovery())
                .isEqualTo(new Discovery.Redis());
    }

    @Test
    void valuesWithUnitsAreParsed() {
        LbConfig config = LbConfig.fromEnv(with(Map.of("LB_HEALTH_INTERVAL", "500ms", "LB_REQUEST_TIMEOUT", "2m",
                "LB_MAX_BODY_BYTES", "1MiB", "LB_MAX_HEADER_BYTES", "8KiB", "LB_STRATEGY", "p2c")));
        assertThat(config.health().interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.timeouts().request()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.limits().maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(config.limits().maxHeaderBytes()).isEqualTo(8192);
        assertThat(config.strategy()).isEqualTo("p2c");
    }

    @Test
    void durationsTakeHoursLikeEveryOtherProcess() {
        LbConfig config = LbConfig.fromEnv(with(Map.of("LB_WS_IDLE_TIMEOUT", "1h")));
        assertThat(config.timeouts().webSocketIdle()).isEqualTo(Duration.ofHours(1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "LB_PORT|eighty|LB_PORT=eighty is invalid; expected a whole number from 1 to 65535",
            "LB_PORT|70000|LB_PORT=70000 is invalid; expected a whole number from 1 to 65535",
            "LB_ADMIN_PORT|8080|LB_ADMIN_PORT=8080 is invalid; expected a port different from LB_PORT",
            "LB_STRATEGY|random|LB_STRATEGY=random is invalid; expected one of round-robin, least-requests, p2c",
            "LB_DISCOVERY|consul|LB_DISCOVERY=consul is invalid; expected static, redis or dns:NAME:PORT",
            "LB_DISCOVERY|dns:app|LB_DISCOVERY=dns:app is invalid; expected static, redis or dns:NAME:PORT",
            "LB_BACKENDS|127.0.0.1:8081|LB_BACKENDS=127.0.0.1:8081 is invalid; expected http://host:port",
            "LB_BACKENDS|http://app:8081/api|LB_BACKENDS=http://app:8081/api is invalid; expected http://host:port",
            "LB_BACKENDS|https://app:8443|LB_BACKENDS=https://app:8443 is invalid; expected http://host:port",
            "LB_HEALTH_INTERVAL|2|LB_HEALTH_INTERVAL=2 is invalid; expected a duration",
            "LB_REQUEST_TIMEOUT|-5s|LB_REQUEST_TIMEOUT=-5s is invalid; expected a duration",
            "LB_MAX_BODY_BYTES|lots|LB_MAX_BODY_BYTES=lots is invalid; expected a size",
            "LB_HEALTH_RISE|0|LB_HEALTH_RISE=0 is invalid; expected a whole number from 1 to 100",
            "REDIS_URL|localhost:6379|REDIS_URL=localhost:6379 is invalid; expected redis://host:port",
            "LB_WS_IDLE_TIMEOUT|1x|LB_WS_IDLE_TIMEOUT=1x is invalid; expected a duration such as 500ms, 30s, 5m or 1h"})
    void aWrongValueIsRejectedNamingTheVariableAndTheExpectedForm(String variable, String value, String message) {
        assertThatThrownBy(() -> LbConfig.fromEnv(with(Map.of(variable, value))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void staticDiscoveryNeedsBackendsAndRedisNeedsAnUrl() {
        assertThatThrownBy(() -> LbConfig.fromEnv(Map.of())).hasMessageStartingWith("LB_BACKENDS is not set");
        assertThatThrownBy(() -> LbConfig.fromEnv(Map.of("LB_DISCOVERY", "redis"))).hasMessageStartingWith("REDIS_URL is not set");
    }

    private static Map<String, String> with(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(MINIMAL);
        env.putAll(extra);
        return env;
    }

    @Test
    void duplicateBackendsAreListedOnce() {
        assertThat(LbConfig.fromEnv(Map.of("LB_BACKENDS", "http://a:1,http://A:1")).backends())
                .isEqualTo(List.of(URI.create("http://a:1")));
    }

    @Test
    void anInvalidRedisUrlIsReportedWithoutItsPassword() {
        assertThatThrownBy(() -> LbConfig.fromEnv(Map.of("LB_DISCOVERY", "redis", "REDIS_URL", "redis://:pass word@cache:6379")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("REDIS_URL=redis://:***@cache:6379 is invalid")
                .message().doesNotContain("pass word");
    }
}
