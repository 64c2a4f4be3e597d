package io.loomcluster.loadtest.api;

import io.loomcluster.loadtest.metrics.Ticket;

import java.net.http.HttpHeaders;

/** What came back for one request: a status with headers and body, or the cause of having none. */
public record Reply(int status, HttpHeaders headers, byte[] body, long endNanos, String failure) {

    static Reply failed(String cause, long endNanos) {
        return new Reply(0, null, new byte[0], endNanos, cause);
    }

    public boolean ok() {
        return failure == null && status >= 200 && status < 300;
    }

    public String instanceId() {
        return headers == null ? null : headers.firstValue("X-Instance-Id").orElse(null);
    }

    public String header(String name) {
        return headers == null ? null : headers.firstValue(name).orElse(null);
    }

    /** Reports this reply as the outcome of a measured operation. */
    public void complete(Ticket ticket, String operation) {
        if (failure != null) {
            ticket.failure(operation, failure, endNanos);
        } else {
            ticket.response(operation, status, instanceId(), endNanos);
        }
    }

    /** A one-line description for setup errors. */
    public String describe() {
        if (failure != null) {
            return failure;
        }
        String text = new String(body, 0, Math.min(body.length, 300), java.nio.charset.StandardCharsets.UTF_8);
        return "HTTP " + status + (text.isBlank() ? "" : ": " + text);
    }
}
