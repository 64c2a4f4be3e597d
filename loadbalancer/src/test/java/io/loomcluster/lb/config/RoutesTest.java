package io.loomcluster.lb.config;

import io.loomcluster.contract.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutesTest {
    private static final Routes CLUSTER = Routes.parse(
            "streams: /api/rooms/*/events, /api/rooms/*/ws, /api/rooms/*/messages?wait; admin: ADMIN.example/; api: /");

    @ParameterizedTest
    @CsvSource({
            "shop.example, /api/rooms/7/events, streams",
            "shop.example, /api/rooms/7/events?after=3, streams",
            "shop.example, /api/rooms/7/ws, streams",
            "shop.example, /api/rooms/7/messages?after=1&wait=25, streams",
            "shop.example, /api/rooms/7/messages?wait, streams",
            "shop.example, /api/rooms/7/messages?after=1, api",
            "shop.example, /api/rooms/7/messages?waiting=1, api",
            "shop.example, /api/rooms//events, api",
            "shop.example, /api/rooms/7/eventsx, api",
            "shop.example, /api/rooms, api",
            "admin.example:8443, /api/rooms/7/events, streams",
            "admin.example:8443, /anything, admin",
            "Admin.Example, /, admin",
            "shop.example, /, api"})
    void theFirstMatchingRuleChoosesThePool(String host, String target, String pool) {
        assertThat(CLUSTER.route(host, target)).isEqualTo(pool);
    }

    @Test
    void aPrefixMatchesOnlyWholeSegments() {
        Routes routes = Routes.parse("api: /api; other: /other");
        assertThat(routes.route("h", "/api")).isEqualTo("api");
        assertThat(routes.route("h", "/api/x")).isEqualTo("api");
        assertThat(routes.route("h", "/apix")).isNull();
        assertThat(routes.route("h", "/")).isNull();
        assertThat(routes.route(null, "/other?x=1")).isEqualTo("other");
    }

    @Test
    void poolsAreListedInTheOrderWritten() {
        assertThat(CLUSTER.pools()).containsExactly("streams", "admin", "api");
        assertThat(Routes.single().pools()).containsExactly("default");
        assertThat(Routes.single().route(null, "/x")).isEqualTo("default");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/api                       | has no pool name",
            "API: /                     | pool name 'API' must be lower-case",
            "api:                       | pool 'api' has no rule",
            "api: /api/*x               | path segment '*x' may be '*' or plain characters",
            "api: /x?a=b                | '?a=b' must name one query parameter",
            "api: bad host/x            | 'bad host' is not a host name"})
    void mistakesFailWithAMessageNamingThem(String raw, String message) {
        assertThatThrownBy(() -> Routes.parse(raw)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LB_ROUTES=" + raw + " is invalid").hasMessageContaining(message);
    }

    @Test
    void eachPoolTakesItsOwnSettingsOverTheGlobalOnes() {
        LbConfig config = LbConfig.fromEnv(Map.of(
                "LB_ROUTES", "streams: /events; api: /",
                "LB_BACKENDS", "http://127.0.0.1:9001",
                "LB_POOL_STREAMS_BACKENDS", "http://127.0.0.1:9002,http://127.0.0.1:9003",
                "LB_POOL_STREAMS_STRATEGY", "least-requests",
                "LB_POOL_STREAMS_REQUEST_TIMEOUT", "5m",
                "LB_POOL_API_RETRIES", "0",
                "LB_POOL_API_HEALTH_PATH", "/health/live"));

        LbConfig.Pool streams = config.pools().get(0);
        LbConfig.Pool api = config.pools().get(1);
        assertThat(streams.name()).isEqualTo("streams");
        assertThat(streams.backends()).hasSize(2);
        assertThat(streams.strategy()).isEqualTo("least-requests");
        assertThat(streams.requestTimeout()).hasMinutes(5);
        assertThat(streams.retries()).isEqualTo(2);
        assertThat(api.backends()).extracting(Object::toString).containsExactly("http://127.0.0.1:9001");
        assertThat(api.retries()).isZero();
        assertThat(api.health().path()).isEqualTo("/health/live");
        assertThat(api.strategy()).isEqualTo("round-robin");
    }

    @Test
    void aStaticPoolWithoutBackendsIsNamedInTheError() {
        assertThatThrownBy(() -> LbConfig.fromEnv(Map.of("LB_ROUTES", "streams: /events; api: /",
                "LB_POOL_API_BACKENDS", "http://127.0.0.1:9001")))
                .hasMessageStartingWith("LB_POOL_STREAMS_BACKENDS is not set");
    }

    @Test
    void withoutRoutesThereIsOnePoolNamedDefaultWithTheGlobalSettings() {
        LbConfig config = LbConfig.fromEnv(Map.of("LB_BACKENDS", "http://127.0.0.1:9001", "LB_STRATEGY", "p2c"));
        assertThat(config.pools()).singleElement().satisfies(pool -> {
            assertThat(pool.name()).isEqualTo("default");
            assertThat(pool.strategy()).isEqualTo("p2c");
        });
    }
}
