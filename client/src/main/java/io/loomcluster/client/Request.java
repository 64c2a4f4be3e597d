package io.loomcluster.client;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP call, any method, path, headers and body (including ones the API refuses: this is how
 * tests and fuzzers send bad input). The JDK client will not send the headers it reserves
 * ({@code Host}, {@code Content-Length}, {@code Connection}, ...): raw sockets are the way for those.
 */
public final class Request {
    private final String method;
    private final String pathAndQuery;
    private final List<String[]> headers = new ArrayList<>();
    private byte[] body;
    private boolean chunked;
    private boolean repeatable;
    private Duration timeout;

    private Request(String method, String pathAndQuery) {
        this.method = method;
        this.pathAndQuery = pathAndQuery;
    }

    public static Request of(String method, String pathAndQuery) {
        return new Request(method, pathAndQuery);
    }

    public static Request get(String pathAndQuery) {
        return new Request("GET", pathAndQuery);
    }

    public static Request post(String path) {
        return new Request("POST", path);
    }

    public static Request delete(String path) {
        return new Request("DELETE", path);
    }

    /** Adds a header; a name given twice is sent twice. */
    public Request header(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    /** A JSON body with {@code Content-Type: application/json}. */
    public Request json(String json) {
        return header("Content-Type", "application/json").body(json.getBytes(StandardCharsets.UTF_8));
    }

    public Request body(byte[] bytes) {
        this.body = bytes;
        return this;
    }

    public Request body(String text) {
        return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends the body chunked, without {@code Content-Length}. */
    public Request chunked() {
        this.chunked = true;
        return this;
    }

    /**
     * Marks a request its sender knows to be safe to send again though it is neither a read nor keyed
     * (a login; joining a room, which is harmless twice), so that a {@link RetryPolicy} may repeat it.
     */
    public Request repeatable() {
        this.repeatable = true;
        return this;
    }

    public Request timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public String method() {
        return method;
    }

    public String pathAndQuery() {
        return pathAndQuery;
    }

    /** The first value of a header set on this request, or null. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** Safe to send again: a read, a post that carries an {@code Idempotency-Key}, or one marked {@link #repeatable()}. */
    public boolean idempotent() {
        String m = method.toUpperCase(Locale.ROOT);
        return repeatable || m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") || header(Names.IDEMPOTENCY_KEY) != null;
    }

    byte[] bodyBytes() {
        return body == null ? new byte[0] : body;
    }

    HttpRequest build(java.net.URI base, Duration defaultTimeout, List<String[]> defaultHeaders, String cookie) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(base, pathAndQuery))
                .timeout(timeout != null ? timeout : defaultTimeout)
                .method(method, publisher);
        for (String[] h : defaultHeaders) {
            if (header(h[0]) == null) {
                b.header(h[0], h[1]);
            }
        }
        for (String[] h : headers) {
            b.header(h[0], h[1]);
        }
        if (cookie != null && header("Cookie") == null) {
            b.header("Cookie", Names.SESSION_COOKIE + "=" + cookie);
        }
        return b.build();
    }

    static java.net.URI resolve(java.net.URI base, String pathAndQuery) {
        String root = base.toString();
        if (root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        return java.net.URI.create(root + pathAndQuery);
    }

    @Override
    public String toString() {
        return method + " " + pathAndQuery;
    }
}
