package io.loomcluster.app.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.loomcluster.app.tracing.Tracing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes RFC 9457 problem details: every error this app produces goes through here. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";

    private final ObjectMapper json;

    public Problems(ObjectMapper json) {
        this.json = json;
    }

    public void write(Context ctx, ApiException e) {
        e.headers().forEach(ctx::header);
        write(ctx, e.status(), e.title(), e.detail());
    }

    public void write(Context ctx, int status, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "/problems/" + slug(title));
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("requestId", RequestIds.of(ctx));
        String traceId = Tracing.currentTraceId();
        if (traceId != null) {
            // The id to look the request up by in the tracing backend.
            body.put("traceId", traceId);
        }
        try {
            ctx.status(status).contentType(CONTENT_TYPE).result(json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A problem's body without request context (a WebSocket frame's problem, which no single request carries). */
    public static Map<String, Object> body(int status, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "/problems/" + slug(title));
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return body;
    }

    private static String slug(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
