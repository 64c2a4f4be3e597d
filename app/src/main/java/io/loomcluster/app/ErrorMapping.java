package io.loomcluster.app;

import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpResponseException;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.Problems;
import io.loomcluster.app.http.RequestIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.NoSuchElementException;

/** Turns every failure into problem+json: client errors as they are, outages as 503, bugs as a logged 500. */
final class ErrorMapping {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

    private final Problems problems;

    ErrorMapping(Problems problems) {
        this.problems = problems;
    }

    void install(RoutesConfig routes) {
        routes.exception(ApiException.class, (e, ctx) -> problems.write(ctx, e));
        routes.exception(HttpResponseException.class, (e, ctx) ->
                problems.write(ctx, e.getStatus(), title(e.getStatus()), detail(e, ctx.method().name(), ctx.path())));
        routes.exception(Sql.DatabaseUnavailableException.class, (e, ctx) -> {
            log.warn("request {}: {}", RequestIds.of(ctx), e.getMessage());
            problems.write(ctx, e.toApi());
        });
        routes.exception(JedisException.class, (e, ctx) -> {
            if (e instanceof JedisConnectionException || e.getCause() instanceof NoSuchElementException) {
                log.warn("request {}: Redis unavailable: {}", RequestIds.of(ctx), e.getMessage());
                problems.write(ctx, ApiException.unavailable("Redis is unavailable; retry shortly", 2));
            } else {
                internalError(ctx, e);
            }
        });
        routes.exception(Exception.class, (e, ctx) -> internalError(ctx, e));
    }

    private void internalError(io.javalin.http.Context ctx, Exception e) {
        log.error("request {} {} {} failed", RequestIds.of(ctx), ctx.method().name(), ctx.path(), e);
        problems.write(ctx, 500, "Internal error", "the server failed to handle this request; request id "
                + RequestIds.of(ctx));
    }

    private static String title(int status) {
        return switch (status) {
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 413 -> "Content too large";
            default -> "Request failed";
        };
    }

    private static String detail(HttpResponseException e, String method, String path) {
        return switch (e.getStatus()) {
            case 404 -> "no route for " + method + " " + abbreviate(path);
            case 405 -> method + " is not allowed on " + abbreviate(path);
            default -> e.getMessage();
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }
}
