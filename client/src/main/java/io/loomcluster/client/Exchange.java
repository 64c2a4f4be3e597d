package io.loomcluster.client;

import java.net.http.HttpRequest;

/**
 * One request as it was sent (final headers, including defaults and the session cookie) and what
 * came back. {@code streamed} is true for a response whose body is read as it arrives (its
 * {@link Reply#bytes()} are then empty).
 */
public record Exchange(HttpRequest request, byte[] requestBody, Reply reply, boolean streamed) {

    public String method() {
        return request.method();
    }

    /** The path and query as sent, e.g. {@code /api/rooms/1/messages?after=0}. */
    public String pathAndQuery() {
        String query = request.uri().getRawQuery();
        return request.uri().getRawPath() + (query == null ? "" : "?" + query);
    }

    /** The request's first value of a header, or null. */
    public String requestHeader(String name) {
        return request.headers().firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
        return method() + " " + pathAndQuery() + " -> " + reply.describe();
    }
}
