package io.loomcluster.app.graphql;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import graphql.introspection.IntrospectionResultToSchema;
import graphql.language.Document;
import graphql.language.NamedNode;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What GraphQL tools need: the introspection query they send (the exact text of graphql-js
 * {@code getIntrospectionQuery()}, which GraphiQL, Apollo, Postman and code generators use, in the
 * test resources, once with default options and once with every option on) and the SDL; both
 * bounded against abuse, and both gone when introspection is configured off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GraphqlIntrospectionIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private URI closed;

    @BeforeAll
    void startAnInstanceWithIntrospectionOff() {
        closed = TestCluster.baseUrl(cluster.startApp(Map.of("GRAPHQL_INTROSPECTION", "false")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"introspection-query.graphql", "introspection-query-all-options.graphql"})
    void theStandardIntrospectionQueryDescribesTheWholeSchema(String resource) {
        Session user = TestUsers.signUp(a, "introspect");

        JsonNode result = graphql(user, resource(resource), "IntrospectionQuery");

        assertThat(result.get("errors")).as(result.toString()).isNull();
        assertThat(result.at("/data/__schema/queryType/name").asText()).isEqualTo("Query");
        assertThat(result.at("/data/__schema/mutationType/name").asText()).isEqualTo("Mutation");
        // What a code generator does with the answer: rebuild the schema, here compared with the SDL.
        Document rebuilt = new IntrospectionResultToSchema().createSchemaDefinition(
                Json.MAPPER.convertValue(result.get("data"), new TypeReference<Map<String, Object>>() { }));
        assertThat(typeNames(new SchemaParser().buildRegistry(rebuilt))).isEqualTo(typeNames(sdl()));
        assertThat(fieldsOf(rebuilt, "Query")).containsExactly("me", "room", "rooms");
    }

    @Test
    void theSchemaIsServedAsSdlWithoutASession() {
        Reply reply = TestUsers.at(a).get("/graphql/schema.graphqls");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("text/plain");
        assertThat(typeNames(new SchemaParser().parse(reply.body()))).contains("Query", "Mutation", "Room", "Message", "User");
    }

    @Test
    void aSecondSchemaFieldInOneRequestIsRefused() {
        Session user = TestUsers.signUp(a, "twice");

        JsonNode result = graphql(user, "{ one: __schema { types { name } } two: __schema { types { name } } }", null);

        assertThat(result.get("data") == null || result.get("data").isNull()).isTrue();
        assertThat(result.at("/errors/0/message").asText()).contains("__schema");
    }

    @Test
    void introspectionThatCyclesThroughTypesIsRefused() {
        Session user = TestUsers.signUp(a, "cycle");

        JsonNode result = graphql(user, "{ __type(name: \"Room\") { fields { type { fields { type { fields { name } } } } } } }", null);

        assertThat(result.get("data") == null || result.get("data").isNull()).isTrue();
        assertThat(result.at("/errors/0/message").asText()).contains("fields");
    }

    @Test
    void aDeepDataQueryBesideIntrospectionIsStillRefusedForDepth() {
        Session user = TestUsers.signUp(a, "besides");
        long room = user.createRoom("besides").id();
        String query = "query($r: ID!) { __schema { queryType { name } } room(id: $r) { messages { room { messages { room "
                + "{ messages { room { messages { id } } } } } } } } }";

        Reply reply = user.post("/graphql", Json.object("query", query, "variables", Map.of("r", Long.toString(room))));

        assertThat(reply.json().get("data") == null || reply.json().get("data").isNull()).isTrue();
        assertThat(reply.json().at("/errors/0/message").asText()).contains("maximum query depth exceeded 9 > 8");
    }

    @Test
    void withIntrospectionOffTheSchemaIsNeitherQueryableNorServedButTypenameWorks() {
        Session user = TestUsers.signUp(closed, "closed");

        JsonNode introspection = graphql(user, resource("introspection-query.graphql"), "IntrospectionQuery");
        JsonNode typename = graphql(user, "{ __typename me { __typename username } }", null);
        Reply sdl = TestUsers.at(closed).get("/graphql/schema.graphqls");

        assertThat(introspection.get("data") == null || introspection.get("data").isNull()).isTrue();
        assertThat(introspection.at("/errors/0/message").asText()).containsIgnoringCase("introspection");
        assertThat(typename.get("errors")).isNull();
        assertThat(typename.at("/data/__typename").asText()).isEqualTo("Query");
        assertThat(typename.at("/data/me/username").asText()).isEqualTo(user.username());
        assertThat(sdl.status()).isEqualTo(404);
        assertThat(sdl.contentType()).startsWith("application/problem+json");
    }

    private static JsonNode graphql(Session client, String query, String operationName) {
        String body = operationName == null ? Json.object("query", query) : Json.object("query", query, "operationName", operationName);
        Reply response = client.post("/graphql", body);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static TypeDefinitionRegistry sdl() {
        return new SchemaParser().parse(resource("/graphql/schema.graphqls", GraphqlApi.class));
    }

    private static Set<String> typeNames(TypeDefinitionRegistry registry) {
        return registry.types().keySet().stream().filter(n -> !n.startsWith("__")).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> fieldsOf(Document document, String type) {
        return new SchemaParser().buildRegistry(document).getType(type, graphql.language.ObjectTypeDefinition.class).orElseThrow()
                .getFieldDefinitions().stream().map(NamedNode::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String resource(String name) {
        return resource("/graphql/" + name, GraphqlIntrospectionIT.class);
    }

    private static String resource(String path, Class<?> owner) {
        try (InputStream in = owner.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
