package io.loomcluster.lb;

import io.loomcluster.contract.RedisTarget;
import io.loomcluster.contract.ConfigException;
import io.loomcluster.testing.EmbeddedServices;
import io.loomcluster.testing.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Redis with requirepass: the balancer's clients (Redis discovery, the dashboard's jobs panel) take
 * the password from REDIS_URL, and a wrong one stops start-up with a message that hides it.
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
    void theRightPasswordInTheUrlAuthenticatesTheBalancersClient() {
        URI uri = URI.create("redis://:" + PASSWORD + "@127.0.0.1:" + port);
        Main.checkRedisCredentials(new RedisTarget.Direct(uri));
        // As RedisDiscovery and the dashboard's JobsHistory create theirs.
        try (RedisClient redis = RedisClient.create(uri)) {
            assertThat(redis.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aWrongPasswordIsAConfigurationErrorThatHidesIt() {
        assertThatThrownBy(() -> Main.checkRedisCredentials(new RedisTarget.Direct(URI.create("redis://default:not-it@127.0.0.1:" + port))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("REDIS_URL=redis://default:***@127.0.0.1:" + port + " was refused by Redis (WRONGPASS")
                .message().doesNotContain("not-it");
        Main.checkRedisCredentials(new RedisTarget.Direct(URI.create("redis://:" + PASSWORD + "@127.0.0.1:" + FreePorts.pick())));
    }

    @Test
    void theBalancerRefusesToStartWithAWrongPassword() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.loomcluster.lb.Main").redirectErrorStream(true);
        builder.environment().put("LB_PORT", String.valueOf(FreePorts.pick()));
        builder.environment().put("LB_ADMIN_PORT", String.valueOf(FreePorts.pick()));
        builder.environment().put("LB_DISCOVERY", "redis");
        builder.environment().put("REDIS_URL", "redis://:not-it@127.0.0.1:" + port);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isEqualTo(2);
        assertThat(output).contains("loadbalancer: configuration error: REDIS_URL=redis://:***@127.0.0.1:" + port
                + " was refused by Redis (WRONGPASS").doesNotContain("not-it");
    }
}
