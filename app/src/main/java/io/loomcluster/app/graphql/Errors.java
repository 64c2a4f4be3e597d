package io.loomcluster.app.graphql;

import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerParameters;
import graphql.execution.DataFetcherExceptionHandlerResult;
import io.loomcluster.app.ErrorMapping;
import io.loomcluster.app.http.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Resolver failures as GraphQL errors carrying the status the REST API would have answered ({@link ErrorMapping}). */
final class Errors implements DataFetcherExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    @Override
    public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(DataFetcherExceptionHandlerParameters params) {
        Throwable e = params.getException();
        if (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        ApiException api = ErrorMapping.toApi(e);
        if (api == null) {
            log.error("GraphQL resolver for {} failed", params.getPath(), e);
            api = new ApiException(500, "Internal error", "the server failed to resolve this field");
        }
        Map<String, Object> extensions = new java.util.LinkedHashMap<>(Map.of("status", api.status(), "title", api.title()));
        // What REST says in Retry-After (429, 503), as a number of seconds.
        String retryAfter = api.headers().get("Retry-After");
        if (retryAfter != null) {
            extensions.put("retryAfter", Long.parseLong(retryAfter));
        }
        var error = GraphqlErrorBuilder.newError(params.getDataFetchingEnvironment())
                .message(api.detail())
                .extensions(extensions)
                .build();
        return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(error).build());
    }
}
