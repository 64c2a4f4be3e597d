package io.loomcluster.lb.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code LB_ROUTES} with two pools of two real backends each: each route reaches its own pool. */
class RoutesIT {
    private static List<BackendProcess> backends;
    private static BalancerProcess balancer;
    private static LoomClient client;

    @BeforeAll
    static void start() {
        backends = BalancerFixture.backends("routes-s1", "routes-s2", "routes-a1", "routes-a2");
        balancer = BalancerFixture.balancer("routes-lb", Map.of(
                "LB_ROUTES", "streams: /echo?wait, /sse, events.test/; api: /echo, /health",
                "LB_POOL_STREAMS_BACKENDS", backends.get(0).url() + "," + backends.get(1).url(),
                "LB_POOL_API_BACKENDS", backends.get(2).url() + "," + backends.get(3).url(),
                "LB_POOL_STREAMS_STRATEGY", "least-requests"));
        backends.forEach(b -> balancer.awaitState(b.url(), "healthy"));
        client = LoomClient.builder(balancer.url()).timeout(Duration.ofSeconds(20)).retry(RetryPolicy.NONE).build();
    }

    @AfterAll
    static void stop() {
        BalancerFixture.stop(balancer, backends);
    }

    private static Set<String> servedBy(Request request, int times) {
        Set<String> instances = new HashSet<>();
        for (int i = 0; i < times; i++) {
            Reply reply = client.send(request);
            assertThat(reply.status()).isEqualTo(200);
            instances.add(reply.json().get("instance").asText());
        }
        return instances;
    }

    @Test
    void eachRouteReachesOnlyItsOwnPool() {
        assertThat(servedBy(Request.get("/echo?after=1"), 10)).containsExactlyInAnyOrder("routes-a1", "routes-a2");
        assertThat(servedBy(Request.get("/echo?after=1&wait=5"), 10)).isSubsetOf("routes-s1", "routes-s2");
        // The JDK client will not set Host: a raw request names the host the route is for.
        String byHost = RawHttp.exchange(balancer.port(), "GET /echo HTTP/1.1\r\nHost: events.test\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(byHost)).isEqualTo(200);
        assertThat(byHost).containsPattern("\"instance\":\"routes-s[12]\"");
    }

    @Test
    void aRequestNoRouteMatchesGets404ProblemJson() {
        Reply reply = client.send(Request.get("/nowhere"));

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(reply.body()).contains("no route matches");
        assertThat(client.send(Request.get("/echo")).status()).isEqualTo(200);
    }

    @Test
    void statusListsEachPoolWithItsBackends() {
        JsonNode pools = balancer.status().get("pools");
        assertThat(pools).hasSize(2);
        assertThat(pools.get(0).get("name").asText()).isEqualTo("streams");
        assertThat(pools.get(0).get("strategy").asText()).isEqualTo("least-requests");
        assertThat(pools.get(0).get("backends")).extracting(b -> b.get("url").asText())
                .containsExactlyInAnyOrder(backends.get(0).url().toString(), backends.get(1).url().toString());
        assertThat(pools.get(1).get("name").asText()).isEqualTo("api");
    }

    @Test
    void aPoolFailsOverInsideItselfAndNeverIntoAnother() {
        BackendProcess down = backends.get(0);
        down.process().kill();
        try {
            for (int i = 0; i < 10; i++) {
                Reply reply = client.send(Request.get("/echo?wait=1"));
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.json().get("instance").asText()).isEqualTo("routes-s2");
            }
        } finally {
            down.restart();
            balancer.awaitState(down.url(), "healthy");
        }
    }
}
