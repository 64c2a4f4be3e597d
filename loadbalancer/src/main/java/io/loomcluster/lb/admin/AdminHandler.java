package io.loomcluster.lb.admin;

import io.loomcluster.lb.http.Problems;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The admin port's routes, declared in one place: {@code GET path -> body}, or a handler of its own
 * for streams. A new page is one more {@link #route} call in {@code LoadBalancer}. Every answer
 * carries a strict Content-Security-Policy: the admin pages load nothing but their own files.
 */
public final class AdminHandler extends Handler.Abstract.NonBlocking {
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A rendered response body and its content type. */
    public record Page(int status, String contentType, String body) {
    }

    private final Map<String, Request.Handler> routes = new LinkedHashMap<>();

    public AdminHandler route(String path, Supplier<Page> page) {
        return stream(path, (request, response, callback) -> write(page.get(), response, callback));
    }

    /** A route whose handler writes the response itself, e.g. an event stream (must not block). */
    public AdminHandler stream(String path, Request.Handler handler) {
        routes.put(path, handler);
        return this;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        Request.Handler route = routes.get(Request.getPathInContext(request));
        if (route == null) {
            Problems.write(response, callback, 404, "no such admin page; try " + String.join(", ", routes.keySet()),
                    null);
            return true;
        }
        if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            Problems.write(response, callback, 405, "admin pages are read with GET", null);
            return true;
        }
        return route.handle(request, response, callback);
    }

    private static boolean write(Page page, Response response, Callback callback) {
        response.setStatus(page.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, page.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(page.body().getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
