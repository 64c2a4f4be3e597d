package io.loomcluster.app.config;

import io.loomcluster.contract.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AppConfigTest {
    private static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "jdbc:postgresql://db:5432/loom");
        env.put("REDIS_URL", "redis://cache:6379");
        return env;
    }

    @Test
    void defaultsFollowTheDesign() {
        AppConfig config = AppConfig.fromEnvironment(minimal());

        assertThat(config.port()).isEqualTo(8081);
        assertThat(config.instanceId()).endsWith(":8081");
        assertThat(config.databaseUser()).isEqualTo("postgres");
        assertThat(config.databasePassword()).isEmpty();
        assertThat(config.databasePoolSize()).isEqualTo(16);
        assertThat(config.cookieSecure()).isFalse();
        assertThat(config.sessionIdleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.sessionAbsoluteTimeout()).isEqualTo(Duration.ofDays(7));
        assertThat(config.limits()).isEqualTo(new AbuseLimits(10, 100, Duration.ofMinutes(1), 100, Duration.ofHours(1),
                20, Duration.ofHours(1)));
    }

    @Test
    void theRemovedPerUsernameLoginLimitStopsStartUpNamingWhatReplacedIt() {
        Map<String, String> env = minimal();
        env.put("LOGIN_LIMIT_PER_USER", "10");

        assertThatThrownBy(() -> AppConfig.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LOGIN_LIMIT_PER_USER=10 is no longer supported")
                .hasMessageContaining("LOGIN_LIMIT_PER_ADDRESS_AND_USER")
                .hasMessageContaining("LOGIN_FAILURES_PER_USER");
    }

    @Test
    void valuesAreRead() {
        Map<String, String> env = minimal();
        env.put("PORT", "9000");
        env.put("INSTANCE_ID", "blue-1");
        env.put("DATABASE_POOL_SIZE", "4");
        env.put("COOKIE_SECURE", "true");
        env.put("SESSION_IDLE_TIMEOUT", "90s");

        AppConfig config = AppConfig.fromEnvironment(env);

        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.instanceId()).isEqualTo("blue-1");
        assertThat(config.databasePoolSize()).isEqualTo(4);
        assertThat(config.cookieSecure()).isTrue();
        assertThat(config.sessionIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "PORT|0|PORT=0 is invalid; expected a whole number from 1 to 65535",
            "PORT|http|PORT=http is invalid; expected a whole number from 1 to 65535",
            "DATABASE_URL|postgres://db/loom|DATABASE_URL=postgres://db/loom is invalid; expected jdbc:postgresql://host:port/database",
            "REDIS_URL|cache:6379|REDIS_URL=cache:6379 is invalid; expected redis://host:port",
            "DATABASE_POOL_SIZE|-3|DATABASE_POOL_SIZE=-3 is invalid; expected a whole number from 1 to 1000",
            "COOKIE_SECURE|maybe|COOKIE_SECURE=maybe is invalid; expected true or false",
            "SESSION_IDLE_TIMEOUT|30|SESSION_IDLE_TIMEOUT=30 is invalid; expected a duration such as 500ms, 30s, 5m or 1h",
            "TRUSTED_PROXIES|10.0.0.0/33|TRUSTED_PROXIES has an invalid entry '10.0.0.0/33'",
            "TRUSTED_PROXIES|proxy.local|TRUSTED_PROXIES has an invalid entry 'proxy.local'",
            "LOG_FORMAT|xml|LOG_FORMAT=xml is invalid; expected text or json",
            "SESSION_ABSOLUTE_TIMEOUT|7d|SESSION_ABSOLUTE_TIMEOUT=7d is invalid; expected a duration",
            "LOGIN_FAILURES_PER_USER|0|LOGIN_FAILURES_PER_USER=0 is invalid; expected a whole number from 1",
            "REGISTRATION_LIMIT_PER_ADDRESS|many|REGISTRATION_LIMIT_PER_ADDRESS=many is invalid",
            "REGISTRATION_LIMIT_WINDOW|0s|REGISTRATION_LIMIT_WINDOW=0s is invalid; expected a duration"})
    void aWrongValueIsNamedWithWhatIsExpected(String variable, String value, String message) {
        Map<String, String> env = minimal();
        env.put(variable, value);

        assertThatThrownBy(() -> AppConfig.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void aMissingRequiredValueIsNamed() {
        Map<String, String> env = minimal();
        env.remove("REDIS_URL");

        assertThatThrownBy(() -> AppConfig.fromEnvironment(env))
                .hasMessageStartingWith("REDIS_URL is not set; expected a Redis URL such as redis://127.0.0.1:6379")
                .hasMessageContaining("REDIS_SENTINELS");
    }

    @Test
    void allowedOriginsAreNormalisedAndEmptyByDefault() {
        assertThat(AppConfig.fromEnvironment(minimal()).allowedOrigins()).isEmpty();

        Map<String, String> env = minimal();
        env.put("ALLOWED_ORIGINS", "https://App.Example.com:443, http://localhost:3000");
        assertThat(AppConfig.fromEnvironment(env).allowedOrigins())
                .containsExactlyInAnyOrder("https://app.example.com", "http://localhost:3000");
    }

    @Test
    void anAllowedOriginThatIsNotAnOriginStopsStartUp() {
        Map<String, String> env = minimal();
        env.put("ALLOWED_ORIGINS", "https://app.example.com/path");
        assertThatThrownBy(() -> AppConfig.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ALLOWED_ORIGINS")
                .hasMessageContaining("https://app.example.com/path");
    }

    @Test
    void anInvalidRedisUrlIsReportedWithoutItsPassword() {
        Map<String, String> env = minimal();
        env.put("REDIS_URL", "http://:pass word@cache:6379");
        assertThatThrownBy(() -> AppConfig.fromEnvironment(env))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("REDIS_URL=http://:***@cache:6379 is invalid")
                .message().doesNotContain("pass word");
    }
}
