package io.loomcluster.system.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.Await;
import io.loomcluster.client.EventStream;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.testing.BalancerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The real app instances behind the real balancer: what a client of the cluster sees, over each transport. */
class ThroughTheBalancerIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static BalancerProcess balancer;
    private static URI front;

    @BeforeAll
    static void startBalancer() {
        TestCluster cluster = TestCluster.shared();
        // The instances register themselves in Redis; the balancer discovers them there.
        balancer = BalancerProcess.start("lb-cluster", Map.of("LB_DISCOVERY", "redis", "REDIS_URL", cluster.services().redisUrl(),
                "LB_REDIS_INTERVAL", "200ms", "LB_HEALTH_INTERVAL", "200ms"), cluster.logDir());
        front = balancer.url();
        Await.until("both instances to be discovered and healthy", Duration.ofSeconds(30),
                () -> balancer.available() >= 2);
    }

    @AfterAll
    static void stopBalancer() {
        if (balancer != null) {
            balancer.close();
        }
    }

    @Test
    void requestsAreSpreadOverTheInstancesAndTheSessionWorksOnEach() {
        Session user = TestUsers.signUp(front, "lbspread");
        Map<String, Integer> served = new HashMap<>();

        for (int i = 0; i < 10; i++) {
            Reply me = user.get("/api/session");
            assertThat(me.status()).isEqualTo(200);
            served.merge(me.header("X-Instance-Id"), 1, Integer::sum);
        }

        assertThat(served).hasSizeGreaterThanOrEqualTo(2);
        served.values().forEach(count -> assertThat(count).isGreaterThanOrEqualTo(3));
    }

    @Test
    void theRequestIdIsCarriedThroughAndTheClientAddressIsTheBalancersView() {
        Session user = TestUsers.at(front);
        Reply response = user.send(Request.get("/health/live").header("X-Request-Id", "through-lb-1"));

        assertThat(response.header("X-Request-Id")).isEqualTo("through-lb-1");
        assertThat(response.header("X-Instance-Id")).startsWith("app-");
    }

    /** One rule on both sides: the id the balancer chose is the one the app keeps, answers and logs. */
    @Test
    void aRequestIdOutsideTheRuleIsReplacedOnceAndTheBalancerLogsTheIdTheClientGets() {
        Reply response = TestUsers.at(front).send(Request.get("/health/live?rid=1").header("X-Request-Id", "k=v;\"x\""));

        String id = response.header("X-Request-Id");
        assertThat(id).matches("[0-9a-f-]{36}");
        Await.until("the request in the balancer's access log", WAIT,
                () -> balancerLog().stream().anyMatch(line -> line.contains("id=" + id)));
    }

    private static List<String> balancerLog() {
        try {
            return Files.readAllLines(balancer.process().log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void liveMessagesArriveOverSseWebSocketAndLongPollThroughTheBalancer() throws Exception {
        Session user = TestUsers.signUp(front, "lblive");
        long room = user.createRoom("through the balancer").id();
        LiveSocket socket = user.on(front).webSocket("/api/rooms/" + room + "/ws", true);
        try (EventStream stream = user.events(room, null)) {
            assertThat(stream.status()).isEqualTo(200);
            CompletableFuture<Reply> poll = CompletableFuture.supplyAsync(
                    () -> user.get("/api/rooms/" + room + "/messages?after=0&wait=20"), Executors.newVirtualThreadPerTaskExecutor());
            // The SSE and WebSocket subscriptions are live once a message posted now reaches them.
            long id = user.post("/api/rooms/" + room + "/messages", Json.object("text", "through"), "Idempotency-Key", "lb-1")
                    .json().get("id").asLong();

            assertThat(stream.next(WAIT).id()).isEqualTo(Long.toString(id));
            assertThat(JSON.readTree(socket.next(WAIT)).get("id").asLong()).isEqualTo(id);
            assertThat(poll.get(30, TimeUnit.SECONDS).json().at("/items/0/id").asLong()).isEqualTo(id);
        }
        socket.close(1000, "bye");
        assertThat(socket.closed().get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
    }

    @Test
    void aReconnectThroughTheBalancerReplaysWhatWasMissed() throws Exception {
        Session user = TestUsers.signUp(front, "lbreplay");
        long room = user.createRoom("replay through the balancer").id();
        List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(user.post("/api/rooms/" + room + "/messages", Json.object("text", "r" + i)).json().get("id").asLong());
        }

        try (EventStream stream = user.events(room, Long.toString(ids.get(1)))) {
            assertThat(stream.next(WAIT).id()).isEqualTo(Long.toString(ids.get(2)));
            assertThat(stream.next(WAIT).id()).isEqualTo(Long.toString(ids.get(3)));
        }
    }

    @Test
    void graphqlAndProblemResponsesPassThroughUnchanged() {
        Session user = TestUsers.signUp(front, "lbgql");

        Reply graphql = user.post("/graphql", Json.object("query", "{ me { username } }"));
        Reply problem = user.post("/api/rooms", "{\"name\": ");

        assertThat(graphql.json().at("/data/me/username").asText()).isEqualTo(user.username());
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.contentType()).startsWith("application/problem+json");
        assertThat(problem.json().get("detail").asText()).contains("malformed JSON");
    }
}
