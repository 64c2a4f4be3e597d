package io.loomcluster.app.http;

import io.javalin.http.Context;
import io.loomcluster.contract.Names;

import java.util.UUID;
import java.util.regex.Pattern;

/** The request id: taken from {@code X-Request-Id} when it is sane, else generated; echoed on every response. */
public final class RequestIds {
    public static final String HEADER = Names.REQUEST_ID_HEADER;
    private static final String ATTRIBUTE = "loom.requestId";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {
    }

    /** Assigns the id for this request and sets the response header; call first thing. */
    public static String assign(Context ctx) {
        String incoming = ctx.header(HEADER);
        // A hostile id could forge log lines or blow up their size; such ids are replaced, not trusted.
        String id = incoming != null && SAFE.matcher(incoming).matches() ? incoming : UUID.randomUUID().toString();
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
        return id;
    }

    public static String of(Context ctx) {
        String id = ctx.attribute(ATTRIBUTE);
        return id != null ? id : assign(ctx);
    }
}
