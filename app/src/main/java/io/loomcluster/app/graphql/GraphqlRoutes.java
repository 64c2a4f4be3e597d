package io.loomcluster.app.graphql;

import graphql.ExecutionResult;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;

import java.util.Map;

/** {@code POST /graphql}: {@code {query, variables?, operationName?}} with a session, answered {@code {data, errors}}. */
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
