package io.loomcluster.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What came back for one call: a status with headers and body, or, when there was no response, the
 * cause ({@link Failures}) and status 0. Calls never throw for a failed request; they return this.
 * {@code startNanos} and {@code endNanos} are {@link System#nanoTime()} when the call was sent and
 * when its reply was complete, for latency measurement.
 */
public record Reply(int status, HttpHeaders headers, byte[] bytes, long startNanos, long endNanos, String failure) {
    private static final HttpHeaders NONE = HttpHeaders.of(Map.of(), (a, b) -> true);

    static Reply failed(long startNanos, String cause) {
        return new Reply(0, NONE, new byte[0], startNanos, System.nanoTime(), cause);
    }

    /** How long the call took, from sending to the complete reply (or the failure). */
    public Duration elapsed() {
        return Duration.ofNanos(endNanos - startNanos);
    }

    /** A response arrived (whatever its status). */
    public boolean answered() {
        return failure == null;
    }

    /** A 2xx response. */
    public boolean ok() {
        return failure == null && status >= 200 && status < 300;
    }

    public String body() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
        return Json.tree(bytes);
    }

    public <T> T as(Class<T> type) {
        return Json.read(bytes, type);
    }

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    public List<String> headers(String name) {
        return headers.allValues(name);
    }

    public String contentType() {
        return header("Content-Type");
    }

    /** The instance that served the call ({@code X-Instance-Id}), or null. */
    public String instanceId() {
        return header(Names.INSTANCE_ID);
    }

    /** The server's {@code Retry-After} in seconds, when it sent one. */
    public Optional<Duration> retryAfter() {
        String value = header("Retry-After");
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The RFC 9457 problem in the body, when the response is {@code application/problem+json}. */
    public Optional<Problem> problem() {
        String type = contentType();
        if (type == null || !type.startsWith(Problem.CONTENT_TYPE)) {
            return Optional.empty();
        }
        try {
            return Optional.of(as(Problem.class));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** One line for logs and errors: the cause, or the status and the start of the body. */
    public String describe() {
        if (failure != null) {
            return failure;
        }
        String text = Json.preview(bytes);
        return "HTTP " + status + (text.isBlank() ? "" : ": " + text);
    }

    @Override
    public String toString() {
        return describe();
    }
}
