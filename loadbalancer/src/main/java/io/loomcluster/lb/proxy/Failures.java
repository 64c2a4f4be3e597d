package io.loomcluster.lb.proxy;

import org.eclipse.jetty.http.HttpException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/** Classifies why a request to a backend failed, which decides retry and status. */
final class Failures {
    private Failures() {
    }

    /** The connection could not be made, so the request was never sent. */
    static boolean isConnectFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnresolvedAddressException || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The client's own request was at fault (body too large, bad chunking): its 4xx status, or 0. */
    static int clientFault(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
                return http.getCode();
            }
        }
        return 0;
    }

    /** The backend's request queue in the balancer is full. */
    static boolean isQueueFull(Throwable failure) {
        return failure instanceof RejectedExecutionException;
    }
}
