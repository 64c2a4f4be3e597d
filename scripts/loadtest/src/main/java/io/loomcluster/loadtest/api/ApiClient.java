package io.loomcluster.loadtest.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Blocking calls to the cluster's API, made from virtual threads. Never throws for a failed request:
 * every call returns a {@link Reply} with the status, or the cause when there was no response.
 */
public final class ApiClient {
    private static final String USER_AGENT = "loom-loadtest";

    private final HttpClient http;
    private final Duration timeout;

    public ApiClient(HttpClient http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    /** HTTP/1.1 with keep-alive, as browsers and the balancer speak it. */
    public static HttpClient newHttpClient(Executor executor, Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    public HttpClient http() {
        return http;
    }

    public Reply get(URI base, String pathAndQuery, Session session) {
        return send(request(base, pathAndQuery, session, timeout).GET().build());
    }

    public Reply get(URI base, String pathAndQuery, Session session, Duration requestTimeout) {
        return send(request(base, pathAndQuery, session, requestTimeout).GET().build());
    }

    public Reply post(URI base, String path, Session session, Object body) {
        return post(base, path, session, body, null);
    }

    public Reply post(URI base, String path, Session session, Object body, String idempotencyKey) {
        HttpRequest.Builder builder = request(base, path, session, timeout)
                .header("Content-Type", "application/json");
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        String json = body == null ? "" : Json.write(body);
        return send(builder.POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public Reply delete(URI base, String path, Session session) {
        return send(request(base, path, session, timeout).DELETE().build());
    }

    public HttpRequest.Builder request(URI base, String pathAndQuery, Session session, Duration requestTimeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(resolve(base, pathAndQuery))
                .timeout(requestTimeout)
                .header("User-Agent", USER_AGENT)
                .header("Accept", "application/json");
        if (session != null) {
            builder.header("Cookie", session.cookieHeader());
        }
        return builder;
    }

    public static URI resolve(URI base, String pathAndQuery) {
        String root = base.toString();
        if (root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        return URI.create(root + pathAndQuery);
    }

    public Reply send(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(response.statusCode(), response.headers(), response.body(), System.nanoTime(), null);
        } catch (IOException e) {
            return Reply.failed(Failures.cause(e), System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.failed(Failures.INTERRUPTED, System.nanoTime());
        }
    }
}
