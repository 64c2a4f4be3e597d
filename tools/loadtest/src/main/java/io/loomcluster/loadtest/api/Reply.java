package io.loomcluster.loadtest.api;

import io.loomcluster.loadtest.metrics.Ticket;
import org.eclipse.jetty.http.HttpFields;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** What came back for one request: a status with headers and body, or the cause of having none. */
public record Reply(int status, HttpFields headers, byte[] body, long endNanos, String failure) {

    static Reply failed(String cause, long endNanos) {
        return new Reply(0, HttpFields.EMPTY, new byte[0], endNanos, cause);
    }

    public boolean ok() {
        return failure == null && status >= 200 && status < 300;
    }

    public String instanceId() {
        return headers.get("X-Instance-Id");
    }

    public String header(String name) {
        return headers.get(name);
    }

    public List<String> headers(String name) {
        return headers.getValuesList(name);
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
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return "HTTP " + status + (text.isBlank() ? "" : ": " + text);
    }
}
