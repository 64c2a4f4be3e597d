package io.loomcluster.app.redis;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.testing.EmbeddedServices;
import io.loomcluster.testing.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Redis with requirepass: the app authenticates with the password in REDIS_URL, and a wrong or
 * missing one stops start-up with a message that names REDIS_URL but never shows the password.
 */
class RedisCredentialsIT {
    private static final String PASSWORD = "s3cret-for-tests";
    private static RedisServer server;
    private static int port;

    @BeforeAll
    static void start() {
        port = FreePorts.pick();
        server = EmbeddedServices.redisRequiringPassword(port, PASSWORD);
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop();
    }

    @Test
    void theRightPasswordInTheUrlAuthenticatesEveryClient() {
        for (String url : new String[] {"redis://:" + PASSWORD + "@127.0.0.1:" + port,
                "redis://default:" + PASSWORD + "@127.0.0.1:" + port}) {
            URI uri = URI.create(url);
            Redis.checkCredentials(uri);
            try (Redis redis = Redis.connect(uri); Redis subscriptions = Redis.connectForSubscriptions(uri)) {
                redis.client().set("loom:test:auth", "ok");
                assertThat(redis.client().get("loom:test:auth")).isEqualTo("ok");
                assertThat(subscriptions.isReachable()).isTrue();
            }
        }
    }

    @Test
    void aWrongOrMissingPasswordIsAConfigurationErrorThatHidesThePassword() {
        assertThatThrownBy(() -> Redis.checkCredentials(URI.create("redis://:not-it@127.0.0.1:" + port)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("REDIS_URL=redis://:***@127.0.0.1:" + port + " was refused by Redis (WRONGPASS")
                .message().doesNotContain("not-it");
        assertThatThrownBy(() -> Redis.checkCredentials(URI.create("redis://127.0.0.1:" + port)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("NOAUTH");
    }

    @Test
    void anUnreachableRedisIsAnOutageNotAConfigurationError() {
        Redis.checkCredentials(URI.create("redis://:" + PASSWORD + "@127.0.0.1:" + FreePorts.pick()));
    }

    @Test
    void theAppRefusesToStartWithAWrongPassword() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/loom");
        env.put("REDIS_URL", "redis://:not-it@127.0.0.1:" + port);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.loomcluster.app.Main").redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isEqualTo(2);
        assertThat(output).contains("loom-app: configuration error: REDIS_URL=redis://:***@127.0.0.1:" + port
                + " was refused by Redis (WRONGPASS").doesNotContain("not-it");
    }
}
