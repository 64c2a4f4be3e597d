package io.loomcluster.app.messages;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One per-user post limit for every entry point, shared by every instance: a bucket of 3 that
 * refills one post an hour, so the test does not depend on how fast it runs.
 */
class WriteLimitIT {
    private static final Map<String, String> LIMIT = Map.of(
            "MESSAGE_RATE_LIMIT", "1", "MESSAGE_RATE_WINDOW", "1h", "MESSAGE_RATE_BURST", "3");
    private static final TestCluster cluster = TestCluster.shared();
    private static URI a;
    private static URI b;

    @BeforeAll
    static void start() {
        List<URI> limited = cluster.startApps(2, LIMIT).stream().map(TestCluster::baseUrl).toList();
        a = limited.get(0);
        b = limited.get(1);
    }

    @Test
    void postsBeyondTheBurstGet429WithRetryAfterOnEveryInstance() {
        Session user = TestUsers.signUp(a, "limited");
        long room = user.createRoom("limited").id();

        assertThat(user.post("/api/rooms/" + room + "/messages", Json.object("text", "1")).status()).isEqualTo(201);
        assertThat(user.on(b).post("/api/rooms/" + room + "/messages", Json.object("text", "2")).status()).isEqualTo(201);
        assertThat(user.post("/api/rooms/" + room + "/messages", Json.object("text", "3")).status()).isEqualTo(201);
        Reply refused = user.on(b).post("/api/rooms/" + room + "/messages", Json.object("text", "4"));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
        assertThat(refused.problem().orElseThrow().detail()).contains("posts per");
        assertThat(messages(user, room)).isEqualTo(3);
        Session other = TestUsers.signUp(a, "unlimited");
        other.join(room);
        assertThat(other.post("/api/rooms/" + room + "/messages", Json.object("text", "mine")).status()).isEqualTo(201);
    }

    @Test
    void graphqlPostsShareTheLimitAndEachAliasCounts() {
        Session user = TestUsers.signUp(a, "gqllimited");
        long room = user.createRoom("gql limited").id();
        assertThat(user.post("/api/rooms/" + room + "/messages", Json.object("text", "rest")).status()).isEqualTo(201);

        StringBuilder query = new StringBuilder("mutation {");
        for (int i = 0; i < 4; i++) {
            query.append(" p").append(i).append(": postMessage(roomId: \"").append(room).append("\", text: \"g\") { id }");
        }
        Reply reply = user.on(b).post("/graphql", Json.object("query", query.append(" }").toString()));

        assertThat(reply.status()).isEqualTo(200);
        // p0 and p1 take the last two posts; p2 is refused, and as postMessage is non-null the error
        // ends the operation (p3 never runs).
        JsonNode error = reply.json().at("/errors/0");
        assertThat(reply.json().get("errors")).as(reply.body()).hasSize(1);
        assertThat(error.at("/path/0").asText()).isEqualTo("p2");
        assertThat(error.at("/extensions/status").asInt()).isEqualTo(429);
        assertThat(error.at("/extensions/retryAfter").asLong()).isPositive();
        assertThat(messages(user, room)).isEqualTo(3);
    }

    private static int messages(Session user, long room) {
        return user.get("/api/rooms/" + room + "/messages?limit=100").json().get("items").size();
    }
}
