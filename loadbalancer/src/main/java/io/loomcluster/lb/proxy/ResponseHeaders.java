package io.loomcluster.lb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * A backend's response made fit for the client: hop-by-hop headers dropped, and the framing chosen
 * for the client's connection (chunked for an HTTP/1.1 client when the backend framed by closing;
 * for an HTTP/1.0 client, no chunking and, without a length, the end of the connection).
 */
final class ResponseHeaders {
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private ResponseHeaders() {
    }

    /** Rewrites the headers in place; true when the client connection must close after this response. */
    static boolean prepare(HttpResponse response, RequestLine request, boolean closing) {
        HttpHeaders headers = response.headers();
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String name : connection.split(",")) {
                String trimmed = name.trim();
                if (!trimmed.isEmpty() && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(trimmed)) {
                    headers.remove(trimmed);
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.UPGRADE);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);

        boolean close = closing || !request.keepAlive();
        boolean mayHaveBody = !request.head() && mayHaveBody(response.status().code());
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        boolean sized = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (request.http10()) {
            if (chunked) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            }
            if (mayHaveBody && (chunked || !sized)) {
                close = true;
            }
        } else if (mayHaveBody && !chunked && !sized) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.http10()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return close;
    }

    private static boolean mayHaveBody(int status) {
        return status >= 200 && status != 204 && status != 304;
    }
}
