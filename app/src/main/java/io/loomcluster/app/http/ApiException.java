package io.loomcluster.app.http;

import java.util.Map;

/**
 * A request that cannot be served, with the status and the words the client sees. Thrown by the
 * web layer (routes, body and parameter parsing, authentication); business code throws
 * {@link io.loomcluster.app.errors.DomainException}s instead. Rendered as {@code application/problem+json} by {@link Problems}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final Map<String, String> headers;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, Map.of());
    }

    public ApiException(int status, String title, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.headers = Map.copyOf(headers);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Invalid request", detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not found", detail);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "Not logged in", "this endpoint needs a session: log in with POST /api/session");
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(403, "Forbidden", detail);
    }

    public static ApiException unavailable(String detail, int retryAfterSeconds) {
        return new ApiException(503, "Service unavailable", detail,
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    public Map<String, String> headers() {
        return headers;
    }
}
