package io.loomcluster.lb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.util.List;

/**
 * How a request's body is framed, read from the client's request before any header is rewritten:
 * none, a length, or chunked. The balancer states the framing of what it forwards itself
 * ({@link #state}) from this plan, after the hop-by-hop headers are gone, so no header the client
 * names in {@code Connection} can leave a body unframed on a backend connection. A request whose
 * framing cannot be stated exactly is refused ({@link #problem}). Netty's decoder has already
 * refused a length with a chunked coding, conflicting or malformed lengths and unknown codings.
 */
record BodyPlan(Kind kind, long length) {
    enum Kind { NONE, SIZED, CHUNKED }

    static final BodyPlan NONE = new BodyPlan(Kind.NONE, 0);
    static final BodyPlan CHUNKED = new BodyPlan(Kind.CHUNKED, -1);

    static BodyPlan sized(long length) {
        return new BodyPlan(Kind.SIZED, length);
    }

    static BodyPlan of(HttpRequest request) {
        HttpHeaders headers = request.headers();
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return CHUNKED;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null ? NONE : sized(Long.parseLong(length.trim()));
    }

    /** Why the request's framing cannot be forwarded exactly, or null when it can. */
    static String problem(HttpRequest request) {
        HttpHeaders headers = request.headers();
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return "Transfer-Encoding in an HTTP/1.0 request (RFC 9112, 6.1)";
            }
            if (codings.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(0).trim())) {
                return "Transfer-Encoding must be 'chunked' alone";
            }
            return null;
        }
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1 || lengths.size() == 1 && !isDigits(lengths.get(0).trim())) {
            return "Content-Length must be one decimal number";
        }
        return null;
    }

    private static boolean isDigits(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    boolean hasBody() {
        return kind != Kind.NONE && length != 0;
    }

    /**
     * Writes this framing into headers bound for the backend, replacing whatever framing headers
     * they carry: a length, {@code Transfer-Encoding: chunked}, or neither.
     */
    void state(HttpHeaders headers) {
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        switch (kind) {
            case NONE -> { }
            case SIZED -> headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
            case CHUNKED -> headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }
}
