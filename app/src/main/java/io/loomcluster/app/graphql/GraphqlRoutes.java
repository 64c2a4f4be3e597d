package io.loomcluster.app.graphql;

import graphql.ExecutionResult;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.Map;

/**
 * {@code POST /graphql}: {@code {query, variables?, operationName?}} with a session, answered
 * {@code {data, errors}}. {@code GET /graphql/schema.graphqls}: the schema in SDL, without a session
 * (it is the same for every user and published with the source), {@code 404} when introspection is
 * configured off.
 */
public final class GraphqlRoutes {
    record Request(String query, Map<String, Object> variables, String operationName, Map<String, Object> extensions) {
    }

    private final GraphqlApi api;
    private final Auth auth;
    private final JsonBody body;

    public GraphqlRoutes(GraphqlApi api, Auth auth, JsonBody body) {
        this.api = api;
        this.auth = auth;
        this.body = body;
    }

    public void register(RoutesConfig routes) {
        routes.post("/graphql", this::execute);
        routes.get("/graphql/schema.graphqls", this::schema);
    }

    private void schema(Context ctx) {
        if (!api.introspection()) {
            throw ApiException.notFound("the GraphQL schema is not published here (GRAPHQL_INTROSPECTION=false)");
        }
        ctx.contentType("text/plain; charset=utf-8").result(api.schemaText());
    }

    private void execute(Context ctx) {
        Session session = auth.require(ctx);
        Request request = body.read(ctx, Request.class);
        if (request.query() == null || request.query().isBlank()) {
            throw ApiException.badRequest("query is required: a GraphQL document");
        }
        ExecutionResult result = api.execute(session, request.query(), request.variables(), request.operationName());
        ctx.json(result.toSpecification());
    }
}
