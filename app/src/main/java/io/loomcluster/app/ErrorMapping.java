package io.loomcluster.app;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.loomcluster.app.errors.DomainException;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.Problems;
import io.loomcluster.app.http.RequestIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The one place where a failure becomes an answer: each kind of domain error gets its status (and
 * so its problem type), outages a 503 with Retry-After, bugs a logged 500. REST writes the result as
 * problem+json; GraphQL puts the same status in its error's extensions.
 */
public final class ErrorMapping {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

    private final Problems problems;

    ErrorMapping(Problems problems) {
        this.problems = problems;
    }

    /** The status, title, detail and headers a failure is answered with; null when it is a bug. */
    public static ApiException toApi(Throwable e) {
        return switch (e) {
            case ApiException api -> api;
            case DomainException.NotFound d -> new ApiException(404, d.title(), d.detail());
            case DomainException.Forbidden d -> new ApiException(403, d.title(), d.detail());
            case DomainException.InvalidInput d -> new ApiException(400, d.title(), d.detail());
            case DomainException.Conflict d -> new ApiException(409, d.title(), d.detail());
            case DomainException.Rejected d -> new ApiException(422, d.title(), d.detail());
            case DomainException.LimitReached d -> new ApiException(429, d.title(), d.detail(), retryAfter(d.retryAfter()));
            case DomainException.Unavailable d -> new ApiException(503, d.title(), d.detail(), retryAfter(d.retryAfter()));
            case JedisException j when j instanceof JedisConnectionException || j.getCause() instanceof NoSuchElementException ->
                    ApiException.unavailable("Redis is unavailable; retry shortly", 2);
            default -> null;
        };
    }

    private static Map<String, String> retryAfter(java.time.Duration wait) {
        return Map.of("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
    }

    void install(RoutesConfig routes) {
        routes.exception(HttpResponseException.class, (e, ctx) ->
                problems.write(ctx, e.getStatus(), title(e.getStatus()), detail(e, ctx.method().name(), ctx.path())));
        routes.exception(Exception.class, this::answer);
    }

    private void answer(Exception e, Context ctx) {
        ApiException api = toApi(e);
        if (api == null) {
            log.error("request {} {} {} failed", RequestIds.of(ctx), ctx.method().name(), ctx.path(), e);
            problems.write(ctx, 500, "Internal error", "the server failed to handle this request; request id "
                    + RequestIds.of(ctx));
            return;
        }
        if (api.status() == 503 && !(e instanceof ApiException)) {
            log.warn("request {}: {}", RequestIds.of(ctx), e.getMessage());
        }
        problems.write(ctx, api);
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
