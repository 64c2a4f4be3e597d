package io.loomcluster.app.http;

import io.javalin.http.Context;
import io.loomcluster.contract.Names;

import static io.loomcluster.contract.RequestIds.acceptOrCreate;

/**
 * The request id: taken from {@code X-Request-Id} when the shared rule accepts it (the balancer
 * applies the same one, {@link io.loomcluster.contract.RequestIds}), else generated; echoed on
 * every response.
 */
public final class RequestIds {
    public static final String HEADER = Names.REQUEST_ID_HEADER;
    private static final String ATTRIBUTE = "loom.requestId";

    private RequestIds() {
    }

    /** Assigns the id for this request and sets the response header; call first thing. */
    public static String assign(Context ctx) {
        String incoming = ctx.header(HEADER);
        // A hostile id could forge log lines or blow up their size; such ids are replaced, not trusted.
        String id = acceptOrCreate(incoming);
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
        return id;
    }

    public static String of(Context ctx) {
        String id = ctx.attribute(ATTRIBUTE);
        return id != null ? id : assign(ctx);
    }
}
