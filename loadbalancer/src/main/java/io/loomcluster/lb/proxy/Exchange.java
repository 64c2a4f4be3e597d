package io.loomcluster.lb.proxy;

import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/** One client request on its way through the balancer, across at most two attempts. */
final class Exchange {
    final Request request;
    final Response response;
    final Callback callback;
    final String requestId;
    /** The whole body when it was small enough to keep for a retry; null otherwise. */
    ByteBuffer body;
    /** The first part of a body too long to keep, already read; the rest streams from the client. */
    ByteBuffer prefix;
    /** The body is read from the client while sending, so it cannot be sent twice. */
    boolean streamedBody;
    int attempts;

    Exchange(Request request, Response response, Callback callback, String requestId) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.requestId = requestId;
    }

    /** Whether the backend may have seen the request and a second attempt is still safe. */
    boolean isIdempotent() {
        String method = request.getMethod();
        return HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method) || HttpMethod.PUT.is(method)
                || HttpMethod.DELETE.is(method) || HttpMethod.OPTIONS.is(method)
                || request.getHeaders().contains("Idempotency-Key");
    }
}
