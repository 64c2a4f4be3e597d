package io.loomcluster.app.graphql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GraphqlIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void queriesAndMutationsWorkAcrossInstances() {
        Session user = TestUsers.signUp(a, "gql");

        JsonNode created = graphql(user, "mutation { createRoom(name: \"gql room\", topic: \"t\") { id name memberCount createdBy { username } } }", Map.of());
        String roomId = created.at("/data/createRoom/id").asText();
        assertThat(created.at("/data/createRoom/createdBy/username").asText()).isEqualTo(user.username());
        JsonNode posted = graphql(user.on(b), "mutation($room: ID!) { postMessage(roomId: $room, text: \"hi\", idempotencyKey: \"g1\") { id text author { username } } }",
                Map.of("room", roomId));
        JsonNode again = graphql(user, "mutation($room: ID!) { postMessage(roomId: $room, text: \"hi\", idempotencyKey: \"g1\") { id } }",
                Map.of("room", roomId));
        JsonNode read = graphql(user.on(b), "query($room: ID!) { me { username } room(id: $room) { name messages(after: 0) { id text room { name } } } }",
                Map.of("room", roomId));

        assertThat(posted.get("errors")).isNull();
        assertThat(again.at("/data/postMessage/id").asText()).isEqualTo(posted.at("/data/postMessage/id").asText());
        assertThat(read.at("/data/me/username").asText()).isEqualTo(user.username());
        assertThat(read.at("/data/room/messages")).hasSize(1);
        assertThat(read.at("/data/room/messages/0/text").asText()).isEqualTo("hi");
        assertThat(read.at("/data/room/messages/0/room/name").asText()).isEqualTo("gql room");
    }

    @Test
    void messagesAreEditedAndDeletedByMutationsUnderTheRestRules() {
        Session author = TestUsers.signUp(a, "gqleditor");
        Session other = TestUsers.signUp(b, "gqlother");
        long room = author.createRoom("gql edits").id();
        other.join(room);
        long message = author.post(room, "draft").id();
        Map<String, Object> vars = Map.of("room", Long.toString(room), "m", Long.toString(message));

        JsonNode edited = graphql(author.on(b), "mutation($room: ID!, $m: ID!) { editMessage(roomId: $room, messageId: $m, text: \"final\") { id text editedAt deleted } }", vars);
        JsonNode refused = graphql(other, "mutation($room: ID!, $m: ID!) { editMessage(roomId: $room, messageId: $m, text: \"mine\") { id } }", vars);
        JsonNode deleted = graphql(author, "mutation($room: ID!, $m: ID!) { deleteMessage(roomId: $room, messageId: $m) { id text deleted } }", vars);
        JsonNode late = graphql(author, "mutation($room: ID!, $m: ID!) { editMessage(roomId: $room, messageId: $m, text: \"again\") { id } }", vars);

        assertThat(edited.at("/data/editMessage/text").asText()).isEqualTo("final");
        assertThat(edited.at("/data/editMessage/editedAt").isTextual()).isTrue();
        assertThat(edited.at("/data/editMessage/deleted").asBoolean()).isFalse();
        assertThat(refused.at("/errors/0/extensions/status").asInt()).isEqualTo(403);
        assertThat(deleted.at("/data/deleteMessage/deleted").asBoolean()).isTrue();
        assertThat(deleted.at("/data/deleteMessage/text").asText()).isEmpty();
        assertThat(late.at("/errors/0/extensions/status").asInt()).isEqualTo(409);
    }

    @Test
    void theSameAuthorizationRulesAsRestApply() {
        Session owner = TestUsers.signUp(a, "gqlowner");
        long room = owner.createRoom("gql private").id();
        Session stranger = TestUsers.signUp(b, "gqlstranger");

        JsonNode read = graphql(stranger, "query($room: ID!) { room(id: $room) { name messages { text } } }", Map.of("room", Long.toString(room)));
        JsonNode post = graphql(stranger, "mutation($room: ID!) { postMessage(roomId: $room, text: \"x\") { id } }", Map.of("room", Long.toString(room)));
        Reply anonymous = TestUsers.at(a).post("/graphql", Json.object("query", "{ me { username } }"));

        assertThat(read.at("/errors/0/extensions/status").asInt()).isEqualTo(403);
        assertThat(post.at("/errors/0/extensions/status").asInt()).isEqualTo(403);
        assertThat(post.at("/errors/0/message").asText()).contains("not a member");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(owner.get("/api/rooms/" + room + "/messages").json().get("items")).isEmpty();
    }

    @Test
    void nestedListsAreBatchedNotLoadedOneByOne() {
        Session user = TestUsers.signUp(a, "batch");
        long first = 0;
        for (int i = 0; i < 6; i++) {
            long room = user.createRoom("batch " + i).id();
            first = first == 0 ? room : first;
            user.post("/api/rooms/" + room + "/messages", Json.object("text", "m" + i));
        }
        Map<String, Double> before = batches(a);

        JsonNode result = graphql(user, "query($cursor: String) { rooms(limit: 6, cursor: $cursor) { items { name createdBy { username } "
                + "messages(limit: 2) { text author { username } room { name } } } } }", Map.of("cursor", Long.toString(first - 1)));

        assertThat(result.get("errors")).isNull();
        assertThat(result.at("/data/rooms/items")).hasSize(6);
        result.at("/data/rooms/items").forEach(room -> assertThat(room.get("messages")).hasSize(1));
        Map<String, Double> after = batches(a);
        assertThat(after.get("messages") - before.get("messages")).isEqualTo(1.0);
        assertThat(after.get("memberships") - before.get("memberships")).isEqualTo(1.0);
        assertThat(after.get("users") - before.get("users")).isEqualTo(1.0);
        assertThat(after.get("rooms") - before.get("rooms")).isEqualTo(1.0);
    }

    @Test
    void anOverDeepQueryIsRefusedBeforeItRuns() {
        Session user = TestUsers.signUp(a, "deep");
        long room = user.createRoom("deep").id();
        String deep = "query($r: ID!) { room(id: $r) { messages { room { messages { room { messages { room { messages { id } } } } } } } } }";

        JsonNode result = graphql(user, deep, Map.of("r", Long.toString(room)));

        assertThat(result.get("data") == null || result.get("data").isNull()).isTrue();
        assertThat(result.at("/errors/0/message").asText()).containsIgnoringCase("depth");
    }

    @Test
    void anOverComplexQueryIsRefusedBeforeItRuns() {
        Session user = TestUsers.signUp(a, "complex");

        JsonNode result = graphql(user, "{ rooms(limit: 100) { items { messages(limit: 100) { text author { username } } } } }", Map.of());

        assertThat(result.get("data") == null || result.get("data").isNull()).isTrue();
        assertThat(result.at("/errors/0/message").asText()).containsIgnoringCase("complexity");
    }

    @Test
    void badArgumentsAreClearErrors() {
        Session user = TestUsers.signUp(a, "gqlbad");

        JsonNode badId = graphql(user, "{ room(id: \"abc\") { name } }", Map.of());
        JsonNode badLimit = graphql(user, "{ rooms(limit: 1000) { items { name } } }", Map.of());
        JsonNode syntax = graphql(user, "{ rooms( ", Map.of());
        Reply noQuery = user.post("/graphql", Json.object("variables", Map.of()));

        assertThat(badId.at("/errors/0/extensions/status").asInt()).isEqualTo(400);
        assertThat(badLimit.at("/errors/0/message").asText()).contains("limit must be a whole number from 1 to 100");
        assertThat(syntax.at("/errors/0/message").asText()).containsIgnoringCase("invalid syntax");
        assertThat(noQuery.status()).isEqualTo(400);
    }

    private static JsonNode graphql(Session client, String query, Map<String, Object> variables) {
        Reply response = client.post("/graphql", Json.object("query", query, "variables", variables));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static Map<String, Double> batches(URI instance) {
        Map<String, Double> counts = new java.util.HashMap<>(Map.of("messages", 0.0, "memberships", 0.0, "users", 0.0, "rooms", 0.0));
        TestUsers.at(instance).get("/metrics").body().lines()
                .filter(l -> l.startsWith("loom_graphql_batch_loads_total{"))
                .forEach(l -> {
                    String loader = l.replaceAll(".*loader=\"([a-z]+)\".*", "$1");
                    counts.put(loader, Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)));
                });
        return counts;
    }
}
