package io.loomcluster.lb.proxy;

import io.loomcluster.contract.Names;
import io.loomcluster.contract.RequestIds;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What the balancer needs to know about a client request, read once from its headers before they
 * are rewritten for the backend: for the retry rule, the timeouts, the response framing and the
 * access log.
 */
record RequestLine(String method, String target, String requestId, boolean idempotent, boolean head,
                   boolean eventStream, String upgrade, boolean http10, boolean keepAlive) {

    static RequestLine of(HttpRequest request) {
        HttpHeaders headers = request.headers();
        HttpMethod method = request.method();
        String upgrade = null;
        if (method == HttpMethod.GET && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            upgrade = headers.get(HttpHeaderNames.UPGRADE);
        }
        String accept = headers.get(HttpHeaderNames.ACCEPT);
        return new RequestLine(method.name(), request.uri(),
                RequestIds.acceptOrCreate(headers.get(Names.REQUEST_ID_HEADER)),
                isIdempotent(method) || headers.contains(Names.IDEMPOTENCY_KEY_HEADER),
                method == HttpMethod.HEAD,
                accept != null && accept.contains("text/event-stream"),
                upgrade,
                request.protocolVersion().equals(HttpVersion.HTTP_1_0),
                HttpUtil.isKeepAlive(request));
    }

    /** For an answer to a request whose head never arrived whole (its headers timed out). */
    static RequestLine none() {
        return new RequestLine("-", "-", RequestIds.create(), false, false, false, null, false, false);
    }

    /** Whether the backend may have seen the request and a second attempt is still safe (RFC 9110, 9.2.2). */
    private static boolean isIdempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.PUT
                || method == HttpMethod.DELETE || method == HttpMethod.OPTIONS;
    }

    boolean webSocket() {
        return upgrade != null;
    }
}
