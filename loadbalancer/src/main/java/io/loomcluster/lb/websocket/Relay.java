package io.loomcluster.lb.websocket;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

import java.nio.ByteBuffer;

/**
 * One side of a bridged WebSocket: frames received here are sent to the peer, and the next frame
 * is demanded only when that send completed (back-pressure, no queue). A close on one side closes
 * the other with the same code where the protocol allows sending it.
 */
// Public only because Jetty binds endpoint methods through method handles.
public final class Relay implements Session.Listener {
    private final String side;
    private final Relay backend;
    private final Session backendSession;
    private volatile Session self;
    private volatile Session peer;

    /** The backend's side: opened first, frames wait until the client's side is open. */
    static Relay forBackend() {
        return new Relay("backend", null, null);
    }

    /** The client's side, for a backend session that is already open. */
    static Relay forClient(Relay backend, Session backendSession) {
        return new Relay("client", backend, backendSession);
    }

    private Relay(String side, Relay backend, Session backendSession) {
        this.side = side;
        this.backend = backend;
        this.backendSession = backendSession;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        self = session;
        if (backend != null) {
            // Both sides are open now: link them, then let frames flow both ways.
            peer = backendSession;
            backend.peer = session;
            session.demand();
            backendSession.demand();
        }
    }

    @Override
    public void onWebSocketPartialText(String payload, boolean last) {
        peer.sendPartialText(payload, last, Callback.from(self::demand, this::failed));
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
        peer.sendPartialBinary(payload, last, Callback.from(() -> {
            callback.succeed();
            self.demand();
        }, failure -> {
            callback.fail(failure);
            failed(failure);
        }));
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        closePeer(statusCode, reason);
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        closePeer(StatusCode.SERVER_ERROR, side + " side failed");
    }

    private void failed(Throwable failure) {
        Session s = self;
        if (s != null && s.isOpen()) {
            s.close(StatusCode.SERVER_ERROR, "relay to the other side failed", Callback.NOOP);
        }
        closePeer(StatusCode.SERVER_ERROR, "relay failed");
    }

    private void closePeer(int statusCode, String reason) {
        Session p = peer;
        if (p == null || !p.isOpen()) {
            return;
        }
        int code = sendable(statusCode);
        p.close(code, code == statusCode ? truncate(reason) : side + " closed abnormally", Callback.NOOP);
    }

    // 1005, 1006 and 1015 describe a close but may not be sent in one (RFC 6455, 7.4.1).
    private int sendable(int statusCode) {
        if (StatusCode.isTransmittable(statusCode) || (statusCode >= 3000 && statusCode <= 4999)) {
            return statusCode;
        }
        if (statusCode == StatusCode.NO_CODE) {
            return StatusCode.NORMAL;
        }
        return side.equals("backend") ? StatusCode.INVALID_UPSTREAM_RESPONSE : StatusCode.SHUTDOWN;
    }

    private static String truncate(String reason) {
        if (reason == null) {
            return null;
        }
        // A close reason may carry at most 123 bytes of UTF-8.
        return reason.length() <= 40 ? reason : reason.substring(0, 40);
    }
}
