package io.loomcluster.app.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Errors Jetty answers before a request reaches the app (a malformed URI, headers too large, bad
 * framing) as problem+json too, instead of Jetty's HTML page, and without echoing internals.
 */
public final class JettyErrors extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = request.getAttribute(ERROR_STATUS) instanceof Integer s ? s
                : response.getStatus() >= 400 ? response.getStatus() : 500;
        String detail = switch (status) {
            case 400 -> "malformed request";
            case 413 -> "the request is larger than this server accepts";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are larger than this server accepts";
            default -> status < 500 ? "the request was rejected" : "the server failed to handle this request";
        };
        String body = "{\"type\":\"/problems/http-" + status + "\",\"title\":\"Request rejected\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\"}";
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
