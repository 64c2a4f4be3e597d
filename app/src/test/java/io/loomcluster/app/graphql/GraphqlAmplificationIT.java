package io.loomcluster.app.graphql;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One request cannot fan out into many writes: mutations per operation are capped, aliases cost like fields. */
class GraphqlAmplificationIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);

    @Test
    void aThousandAliasedPostsAreRefusedBeforeAnyRuns() {
        Session user = TestUsers.signUp(a, "aliases");
        long room = user.createRoom("aliases").id();

        JsonNode result = graphql(user, aliasedPosts(room, 1000));

        assertThat(result.get("data") == null || result.get("data").isNull()).isTrue();
        assertThat(result.at("/errors/0/message").asText()).contains("at most 5 mutations");
        assertThat(messages(user, room)).isZero();
    }

    @Test
    void sixMutationsAreRefusedAndFiveRun() {
        Session user = TestUsers.signUp(a, "sixmut");
        long room = user.createRoom("six").id();

        JsonNode six = graphql(user, aliasedPosts(room, 6));
        assertThat(six.get("data") == null || six.get("data").isNull()).isTrue();
        assertThat(six.at("/errors/0/message").asText()).contains("at most 5 mutations");
        assertThat(messages(user, room)).isZero();

        JsonNode five = graphql(user, aliasedPosts(room, 5));
        assertThat(five.get("errors")).isNull();
        assertThat(messages(user, room)).isEqualTo(5);
    }

    @Test
    void fragmentsCannotHideMutations() {
        Session user = TestUsers.signUp(a, "fragmut");
        long room = user.createRoom("fragments").id();
        String post = "postMessage(roomId: \"" + room + "\", text: \"x\") { id }";
        String query = "mutation { ...F ...F2 } fragment F on Mutation { a: " + post + " b: " + post + " c: " + post
                + " } fragment F2 on Mutation { d: " + post + " ... on Mutation { e: " + post + " f: " + post + " } }";

        JsonNode result = graphql(user, query);

        assertThat(result.at("/errors/0/message").asText()).contains("at most 5 mutations");
        assertThat(messages(user, room)).isZero();
    }

    @Test
    void aliasedFieldsCountInTheComplexityLikeSeparateFields() {
        Session user = TestUsers.signUp(a, "aliasq");

        // rooms(limit: 100) { items { id } } costs 1 + 100 * 2 = 201: 20 copies are 4020, 30 are 6030 > 5000.
        JsonNode twenty = graphql(user, aliasedRooms(20));
        JsonNode thirty = graphql(user, aliasedRooms(30));

        assertThat(twenty.get("errors")).isNull();
        assertThat(thirty.get("data") == null || thirty.get("data").isNull()).isTrue();
        assertThat(thirty.at("/errors/0/message").asText()).containsIgnoringCase("complexity");
    }

    private static String aliasedRooms(int count) {
        StringBuilder query = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            query.append(" r").append(i).append(": rooms(limit: 100) { items { id } }");
        }
        return query.append(" }").toString();
    }

    static String aliasedPosts(long room, int count) {
        StringBuilder query = new StringBuilder("mutation {");
        for (int i = 0; i < count; i++) {
            query.append(" p").append(i).append(": postMessage(roomId: \"").append(room).append("\", text: \"x\") { id }");
        }
        return query.append(" }").toString();
    }

    static JsonNode graphql(Session client, String query) {
        Reply response = client.post("/graphql", Json.object("query", query, "variables", Map.of()));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static int messages(Session user, long room) {
        return user.get("/api/rooms/" + room + "/messages?limit=100").json().get("items").size();
    }
}
