package io.loomcluster.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Names the cause of a call that got no response, in a few stable words ("timeout", "connection
 * refused", ...), so that callers can count failures by cause and decide whether to retry.
 */
public final class Failures {
    public static final String TIMEOUT = "timeout";
    public static final String CONNECT_TIMEOUT = "connect timeout";
    public static final String REFUSED = "connection refused";
    public static final String RESET = "connection reset";
    public static final String CLOSED = "connection closed";
    public static final String INTERRUPTED = "interrupted";

    private Failures() {
    }

    public static String cause(Throwable error) {
        // The HTTP client wraps the socket's exception: look through the chain for the most telling type.
        Throwable e = error;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return CONNECT_TIMEOUT;
            }
            if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof SocketTimeoutException) {
                return String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("connect") ? CONNECT_TIMEOUT : TIMEOUT;
            }
            if (t instanceof ConnectException) {
                return REFUSED;
            }
            if (t instanceof InterruptedException) {
                return INTERRUPTED;
            }
            e = t;
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("reset")) {
            return RESET;
        }
        if (e instanceof EOFException || e instanceof ClosedChannelException || message.contains("closed")
                || message.contains("eof")) {
            return CLOSED;
        }
        if (e instanceof SocketException || e instanceof IOException) {
            return "i/o: " + e.getClass().getSimpleName();
        }
        return "client: " + e.getClass().getSimpleName();
    }
}
