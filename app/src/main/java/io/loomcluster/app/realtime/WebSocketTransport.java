package io.loomcluster.app.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.loomcluster.app.messages.Message;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/rooms/{id}/ws}: each new message of the room as a JSON text frame, replayed from
 * {@code ?after=}. Admission is decided before the upgrade (so a refusal is a plain 401/403); each
 * connection writes from its own virtual thread, blocking, and pings when idle. Close codes: 1008
 * when the user left the room, the session ended (logout, expiry) or the client fell too far behind, 1001 at shutdown, 1013 when the instance is full.
 */
public final class WebSocketTransport {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    private static final String START = "loom.wsStart";
    private static final int CLOSE_GOING_AWAY = 1001;
    private static final int CLOSE_POLICY = 1008;
    private static final int CLOSE_SERVER_ERROR = 1011;
    private static final int CLOSE_TRY_LATER = 1013;
    private static final long CLOSE_GRACE_MILLIS = 2_000;

    private final LiveRooms live;
    private final LiveAccess access;
    private final ObjectMapper json;
    private final long heartbeatMillis;
    private final ConcurrentMap<String, Subscriber<Message>> sockets = new ConcurrentHashMap<>();

    public WebSocketTransport(LiveRooms live, LiveAccess access, ObjectMapper json, Duration heartbeat) {
        this.live = live;
        this.access = access;
        this.json = json;
        this.heartbeatMillis = heartbeat.toMillis();
    }

    public void register(RoutesConfig routes) {
        routes.wsBeforeUpgrade("/api/rooms/{id}/ws", this::admit);
        routes.ws("/api/rooms/{id}/ws", ws -> {
            ws.onConnect(this::connected);
            ws.onClose(ctx -> ended(ctx, "closed by client"));
            ws.onError(ctx -> ended(ctx, "connection error"));
            ws.onMessage(ctx -> { /* the stream is one-way; client frames are ignored */ });
        });
    }

    private void admit(Context ctx) {
        ctx.attribute(START, access.admit(ctx, null));
    }

    private void connected(WsConnectContext ctx) {
        LiveAccess.Start start = ctx.attribute(START);
        Session session = ctx.session;
        Subscriber<Message> subscriber = live.subscribe(start.roomId(), start.userId(), start.sessionId(), Subscriber.Kind.WEBSOCKET, start.after(),
                () -> closeThenDisconnect(session, CLOSE_POLICY, "slow consumer; reconnect with after=<last id>"));
        if (subscriber == null) {
            session.close(CLOSE_TRY_LATER, "too many live connections on this instance", Callback.NOOP);
            return;
        }
        // Idle-timeout is left to our pings: a live but quiet connection must not be cut.
        session.setIdleTimeout(Duration.ofMillis(heartbeatMillis * 3));
        sockets.put(ctx.sessionId(), subscriber);
        Thread.ofVirtual().name("ws-writer-" + start.roomId()).start(() -> writeFrames(ctx, subscriber));
    }

    private void writeFrames(WsContext ctx, Subscriber<Message> subscriber) {
        Session session = ctx.session;
        try {
            while (session.isOpen()) {
                Message message = subscriber.next(heartbeatMillis);
                if (message != null) {
                    Callback.Completable sent = new Callback.Completable();
                    session.sendText(json.writeValueAsString(message), sent);
                    sent.get(heartbeatMillis * 2, TimeUnit.MILLISECONDS);
                } else if (subscriber.isClosed()) {
                    // When the client closed first, the server's close frame is already on its way.
                    if (sockets.containsKey(ctx.sessionId())) {
                        int code = live.shuttingDown() ? CLOSE_GOING_AWAY : CLOSE_POLICY;
                        session.close(code, subscriber.closeReason(), Callback.NOOP);
                    }
                    return;
                } else {
                    session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
                }
            }
        } catch (JsonProcessingException e) {
            log.error("could not serialise a message for room {}", subscriber.key(), e);
            session.close(CLOSE_SERVER_ERROR, "server error", Callback.NOOP);
        } catch (Exception e) {
            // The peer went away or stopped reading for too long: drop the connection.
            session.disconnect();
        } finally {
            sockets.remove(ctx.sessionId());
            live.unsubscribe(subscriber);
        }
    }

    private void ended(WsContext ctx, String reason) {
        Subscriber<Message> subscriber = sockets.remove(ctx.sessionId());
        if (subscriber != null) {
            subscriber.close(reason);
        }
    }

    private static void closeThenDisconnect(Session session, int code, String reason) {
        session.close(code, reason, Callback.NOOP);
        // The close frame cannot pass a peer that stopped reading: after a grace period, cut the connection.
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(CLOSE_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // Harmless when the close handshake completed; cuts the connection when it could not.
            session.disconnect();
        });
    }
}
