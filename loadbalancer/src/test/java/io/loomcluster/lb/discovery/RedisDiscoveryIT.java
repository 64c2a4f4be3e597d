package io.loomcluster.lb.discovery;

import io.loomcluster.testing.EmbeddedServices;
import io.loomcluster.testing.Await;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Instances registering in Redis (sorted set, score = expiry) come and go in a real balancer process. */
class RedisDiscoveryIT {
    private static final String KEY = "loom:lb:backends";
    private static EmbeddedServices services;
    private static RedisClient redis;
    private static BackendProcess a;
    private static BackendProcess b;
    private static BalancerProcess balancer;
    private static LoomClient client;

    @BeforeAll
    static void start() {
        services = EmbeddedServices.start(EmbeddedServices.Options.ephemeral());
        redis = RedisClient.create(URI.create(services.redisUrl()));
        var backends = BalancerFixture.backends("redis-a", "redis-b");
        a = backends.get(0);
        b = backends.get(1);
        balancer = BalancerFixture.balancer("redis-lb", Map.of(
                "LB_DISCOVERY", "redis",
                "REDIS_URL", services.redisUrl(),
                "LB_REDIS_INTERVAL", "200ms"));
        client = LoomClient.builder(balancer.url()).retry(RetryPolicy.NONE).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        balancer.close();
        a.close();
        b.close();
        redis.close();
        services.close();
    }

    @Test
    void registeredBackendsArePickedUpAndRemovedOrExpiredOnesDropped() {
        register(a, System.currentTimeMillis() + 60_000);
        balancer.awaitState(a.url(), "healthy");
        assertThat(servedBy(6)).containsExactly("redis-a");

        register(b, System.currentTimeMillis() + 60_000);
        balancer.awaitState(b.url(), "healthy");
        Await.until("both backends to serve", Duration.ofSeconds(10),
                () -> servedBy(6).equals(Set.of("redis-a", "redis-b")));

        redis.zrem(KEY, a.url().toString());
        balancer.awaitState(a.url(), "absent");
        assertThat(servedBy(6)).containsExactly("redis-b");

        register(b, System.currentTimeMillis() - 1);
        balancer.awaitState(b.url(), "absent");
        assertThat(client.send(Request.get("/echo")).status()).isEqualTo(503);
    }

    private static void register(BackendProcess backend, long expiresAtMillis) {
        redis.zadd(KEY, expiresAtMillis, backend.url().toString());
    }

    private static Set<String> servedBy(int requests) {
        return IntStream.range(0, requests)
                .mapToObj(i -> String.valueOf(client.send(Request.get("/echo")).instanceId()))
                .collect(Collectors.toSet());
    }
}
