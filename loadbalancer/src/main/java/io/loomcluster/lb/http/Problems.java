package io.loomcluster.lb.http;

import io.loomcluster.contract.Names;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** The balancer's own errors as RFC 9457 {@code application/problem+json}. */
public final class Problems {
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {
    }

    /** A complete problem response; {@code requestId} may be null (admin port, unparseable requests). */
    public static FullHttpResponse response(ByteBufAllocator alloc, int status, String detail, String requestId) {
        return response(alloc, status, detail, requestId, null);
    }

    /** A complete problem response naming the trace it belongs to, when tracing is on ({@code traceId} not null). */
    public static FullHttpResponse response(ByteBufAllocator alloc, int status, String detail, String requestId,
                                            String traceId) {
        HttpResponseStatus httpStatus = HttpResponseStatus.valueOf(status);
        String body = "{\"type\":\"about:blank\",\"title\":" + quote(httpStatus.reasonPhrase()) + ",\"status\":" + status
                + ",\"detail\":" + quote(detail) + (requestId == null ? "" : ",\"requestId\":" + quote(requestId))
                + (traceId == null ? "" : ",\"traceId\":" + quote(traceId))
                + "}";
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, httpStatus,
                ByteBufUtil.writeUtf8(alloc, body));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        headers.set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (requestId != null) {
            headers.set(Names.REQUEST_ID_HEADER, requestId);
        }
        return response;
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
