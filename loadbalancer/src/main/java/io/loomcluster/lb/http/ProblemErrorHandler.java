package io.loomcluster.lb.http;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty produces itself (bad framing 400, header too large 431, body too large 413, ...) as
 * problem+json, with a detail that says what was wrong but never echoes internals.
 */
public final class ProblemErrorHandler extends ErrorHandler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : 500;
        Object code = request.getAttribute(ERROR_STATUS);
        if (code instanceof Integer s) {
            status = s;
        }
        Throwable cause = (Throwable) request.getAttribute(ERROR_EXCEPTION);
        String detail = detail(status, cause, (String) request.getAttribute(ERROR_MESSAGE));
        response.getHeaders().clear();
        response.getHeaders().put("Connection", "close");
        Problems.write(response, callback, status, detail, null);
        return true;
    }

    private static String detail(int status, Throwable cause, String message) {
        return switch (status) {
            case 400 -> "malformed request" + (cause instanceof BadMessageException && message != null
                    ? ": " + message : "");
            case 413 -> "request body exceeds the balancer's limit";
            case 414 -> "request URI is too long";
            case 431 -> "request headers exceed the balancer's limit";
            case 505 -> "HTTP version not supported";
            default -> status < 500 ? "request rejected by the balancer" : "internal balancer error";
        };
    }
}
