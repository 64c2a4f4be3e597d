package io.loomcluster.app.graphql;

import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.instrumentation.dataloader.DataLoaderDispatchingContextKeys;
import graphql.introspection.Introspection;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.loomcluster.app.sessions.Session;
import org.dataloader.DataLoaderRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The GraphQL engine: schema from {@code graphql/schema.graphqls}, resolvers from {@link Resolvers},
 * batched loads per request, and depth, mutation-count and complexity limits checked before a query
 * runs. Aliased fields are separate fields to all three.
 *
 * Introspection is on unless configured off, so that GraphiQL, Apollo, Postman and code generators
 * can load the schema with the standard introspection query. It is bounded: the depth limit skips
 * the {@code __schema}/{@code __type} subtrees ({@link DepthLimit}), the complexity limit counts every
 * field of them, and graphql-java's good-faith check (on by default) refuses a second
 * {@code __schema} or {@code __type} and cycles through a type's fields. Off, {@code __schema} and
 * {@code __type} are refused; {@code __typename} still works (clients such as Apollo add it).
 */
public final class GraphqlApi {
    public static final int MAX_DEPTH = 8;
    // Each field costs 1 plus its children times its "limit" argument: rooms(limit: 20) { messages(limit: 50) { text } }
    // costs about 20 * 50; lists are what make a query expensive.
    public static final int MAX_COMPLEXITY = 5_000;

    private final GraphQL graphql;
    private final Resolvers resolvers;
    private final ReadResolvers reads;
    private final boolean introspection;
    private final String schemaText;

    public GraphqlApi(Resolvers resolvers, NotificationResolvers notifications, ReadResolvers reads, boolean introspection,
                      int maxMutations) {
        this.resolvers = resolvers;
        this.reads = reads;
        this.introspection = introspection;
        this.schemaText = readSchema();
        GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(schemaText),
                wiring(resolvers, notifications, reads));
        this.graphql = GraphQL.newGraphQL(schema)
                .instrumentation(new ChainedInstrumentation(List.of(
                        new DepthLimit(MAX_DEPTH),
                        new MutationLimit(maxMutations),
                        new MaxQueryComplexityInstrumentation(MAX_COMPLEXITY, (env, children) -> {
                            Object limit = env.getArguments().get("limit");
                            int n = limit instanceof Integer i ? Math.max(1, i) : 1;
                            return 1 + children * n;
                        }))))
                .defaultDataFetcherExceptionHandler(new Errors())
                .build();
    }

    private static RuntimeWiring wiring(Resolvers r, NotificationResolvers n, ReadResolvers reads) {
        return RuntimeWiring.newRuntimeWiring()
                .type("Query", t -> t.dataFetcher("me", r::me).dataFetcher("rooms", r::rooms).dataFetcher("room", r::room)
                        .dataFetcher("notifications", n::notifications))
                .type("Mutation", t -> t.dataFetcher("createRoom", r::createRoom).dataFetcher("joinRoom", r::joinRoom)
                        .dataFetcher("postMessage", r::postMessage).dataFetcher("markNotificationsRead", n::markRead)
                        .dataFetcher("editMessage", r::editMessage).dataFetcher("deleteMessage", r::deleteMessage)
                        .dataFetcher("markRead", reads::markRead))
                .type("Notification", t -> t.dataFetcher("createdAt", NotificationResolvers::createdAt))
                .type("Room", t -> t.dataFetcher("createdBy", r::createdBy).dataFetcher("messages", r::roomMessages)
                        .dataFetcher("unread", reads::unread).dataFetcher("readUpTo", reads::readUpTo)
                        .dataFetcher("createdAt", env -> env.<io.loomcluster.app.rooms.Room>getSource().createdAt().toString()))
                .type("Message", t -> t.dataFetcher("author", r::author).dataFetcher("room", r::messageRoom)
                        .dataFetcher("createdAt", env -> env.<io.loomcluster.app.messages.Message>getSource().createdAt().toString())
                        .dataFetcher("editedAt", env -> {
                            java.time.Instant edited = env.<io.loomcluster.app.messages.Message>getSource().editedAt();
                            return edited == null ? null : edited.toString();
                        }))
                .build();
    }

    public ExecutionResult execute(Session session, String query, Map<String, Object> variables, String operationName) {
        DataLoaderRegistry loaders = resolvers.loadersFor(session);
        reads.register(loaders, session);
        ExecutionInput input = ExecutionInput.newExecutionInput()
                .query(query)
                .variables(variables == null ? Map.of() : variables)
                .operationName(operationName)
                .graphQLContext(Map.of(Resolvers.SESSION, session,
                        // Dispatch loaders whenever the engine runs out of other work: robust for
                        // loads nested under loaded lists (room -> messages -> room).
                        DataLoaderDispatchingContextKeys.ENABLE_DATA_LOADER_EXHAUSTED_DISPATCHING, true,
                        Introspection.INTROSPECTION_DISABLED, !introspection))
                .dataLoaderRegistry(loaders)
                .build();
        return graphql.execute(input);
    }

    public boolean introspection() {
        return introspection;
    }

    /** The schema as written (SDL with its comments and descriptions), for {@code GET /graphql/schema.graphqls}. */
    public String schemaText() {
        return schemaText;
    }

    private static String readSchema() {
        try (InputStream in = GraphqlApi.class.getResourceAsStream("/graphql/schema.graphqls")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
