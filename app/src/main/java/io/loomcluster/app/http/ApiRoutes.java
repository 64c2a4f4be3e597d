package io.loomcluster.app.http;

import io.javalin.http.Context;
import io.javalin.router.Endpoint;

/**
 * Which requests are API requests, decided by the route the router matched rather than by the raw
 * path: {@code /graphql/} (Javalin ignores trailing slashes) is the {@code /graphql} route, and a
 * spelling no route matches ({@code //graphql}, {@code /graphql;x}, {@code /graphql%2F}) runs no
 * handler at all. Use from {@code beforeMatched} handlers, where the match is known.
 */
public final class ApiRoutes {
    private ApiRoutes() {
    }

    public static boolean matched(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint != null && (endpoint.path.startsWith("/api/") || endpoint.path.equals("/graphql"));
    }
}
