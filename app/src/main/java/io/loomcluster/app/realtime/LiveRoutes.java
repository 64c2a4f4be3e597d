package io.loomcluster.app.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.http.Params;
import io.loomcluster.app.messages.Message;
import io.loomcluster.app.messages.MessageService;
import io.loomcluster.app.messages.MessageWaiter;
import io.loomcluster.app.rooms.RoomService;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.Session;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.websocket.api.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Live delivery: {@code GET /api/rooms/{id}/events} (Server-Sent Events) and
 * {@code GET /api/rooms/{id}/ws} (WebSocket). Both authenticate with the session cookie and check
 * membership before the stream starts, replay from {@code Last-Event-ID} / {@code after}, then
 * follow the room's feed; each connection writes from its own virtual thread, blocking.
 */
public final class LiveRoutes implements MessageWaiter {
    private static final Logger log = LoggerFactory.getLogger(LiveRoutes.class);
    private static final String WS_START = "loom.wsStart";
    private static final int CLOSE_GOING_AWAY = 1001;
    private static final int CLOSE_POLICY = 1008;
    private static final int CLOSE_TRY_LATER = 1013;
    private static final long CLOSE_GRACE_MILLIS = 2_000;

    private record Start(long roomId, long userId, long after) {
    }

    private final LiveRooms live;
    private final RoomService rooms;
    private final MessageService messages;
    private final Auth auth;
    private final InFlightLimiter limiter;
    private final ObjectMapper json;
    private final long heartbeatMillis;
    private final ConcurrentMap<String, Subscriber> sockets = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;

    public LiveRoutes(MessageService messages, RoomService rooms, io.loomcluster.app.messages.RoomSignals signals,
                      io.loomcluster.app.metrics.Metrics metrics, Auth auth, InFlightLimiter limiter, ObjectMapper json,
                      int maxSubscribers, int bufferSize, Duration heartbeat, Duration slowConsumerTimeout) {
        this.live = new LiveRooms(messages, signals, metrics, maxSubscribers, bufferSize, 5_000, slowConsumerTimeout);
        this.rooms = rooms;
        this.messages = messages;
        this.auth = auth;
        this.limiter = limiter;
        this.json = json;
        this.heartbeatMillis = heartbeat.toMillis();
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/rooms/{id}/events", this::events);
        routes.wsBeforeUpgrade("/api/rooms/{id}/ws", this::authorizeUpgrade);
        routes.ws("/api/rooms/{id}/ws", ws -> {
            ws.onConnect(this::connected);
            ws.onClose(ctx -> ended(ctx, "closed by client"));
            ws.onError(ctx -> ended(ctx, "connection error"));
            ws.onMessage(ctx -> { /* the stream is one-way; client frames are ignored */ });
        });
    }

    @Override
    public List<Message> await(long roomId, long userId, long after, int limit, Duration wait) throws InterruptedException {
        if (shuttingDown) {
            return List.of();
        }
        return live.await(roomId, userId, after, limit, wait.toMillis());
    }

    /** A user left a room (here or elsewhere): their live connections to it end. */
    public void kick(long roomId, long userId) {
        live.kick(roomId, userId);
    }

    /**
     * Shutdown: every live connection is told to reconnect elsewhere, and this waits (up to the
     * timeout) until their close frames and final events are written, before the server stops.
     */
    public boolean closeAll(Duration timeout) {
        shuttingDown = true;
        live.closeAll("server shutting down; reconnect with your last id");
        return live.awaitNoneOpen(timeout);
    }

    private Start start(Context ctx, String lastEventId) {
        Session session = auth.require(ctx);
        long roomId = Params.pathId(ctx, "id");
        long after = lastEventId != null ? parseLastEventId(lastEventId) : Params.queryLong(ctx, "after", -1);
        rooms.requireMember(roomId, session.userId());
        if (shuttingDown) {
            throw ApiException.unavailable("this instance is shutting down; reconnect", 1);
        }
        return new Start(roomId, session.userId(), after >= 0 ? after : messages.lastId(roomId));
    }

    private static long parseLastEventId(String value) {
        if (!value.matches("[0-9]{1,18}")) {
            throw ApiException.badRequest("Last-Event-ID must be a message id (a whole number), got '"
                    + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'");
        }
        return Long.parseLong(value);
    }

    // ---- Server-Sent Events

    private void events(Context ctx) {
        Start start = start(ctx, ctx.header("Last-Event-ID"));
        // A live stream holds no database connection while it waits: it does not count as in flight.
        limiter.release(ctx);
        EndPoint endPoint = ServletContextRequest.getServletContextRequest(ctx.req())
                .getConnectionMetaData().getConnection().getEndPoint();
        Subscriber subscriber = live.subscribe(start.roomId(), start.userId(), Subscriber.Kind.SSE, start.after(),
                endPoint::close);
        if (subscriber == null) {
            throw ApiException.unavailable("too many live connections on this instance; retry elsewhere", 2);
        }
        try {
            ctx.res().setStatus(200);
            ctx.res().setContentType("text/event-stream;charset=utf-8");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            OutputStream out = ctx.res().getOutputStream();
            write(out, "retry: 2000\n: connected\n\n");
            streamEvents(out, subscriber);
        } catch (IOException | InterruptedException e) {
            log.debug("SSE stream of room {} ended: {}", start.roomId(), e.toString());
        } finally {
            live.unsubscribe(subscriber);
        }
    }

    private void streamEvents(OutputStream out, Subscriber subscriber) throws IOException, InterruptedException {
        while (true) {
            Message message = subscriber.next(heartbeatMillis);
            if (message == null) {
                if (subscriber.isClosed()) {
                    write(out, "event: close\ndata: " + json.writeValueAsString(java.util.Map.of("reason", subscriber.closeReason())) + "\n\n");
                    return;
                }
                write(out, ": ping\n\n");
                continue;
            }
            // Write what is queued, then flush once: bursts cost one flush, not one per message.
            StringBuilder batch = new StringBuilder();
            do {
                batch.append("id: ").append(message.id()).append("\nevent: message\ndata: ")
                        .append(json.writeValueAsString(message)).append("\n\n");
                message = subscriber.next(0);
            } while (message != null && batch.length() < 64 * 1024);
            if (message != null) {
                batch.append("id: ").append(message.id()).append("\nevent: message\ndata: ")
                        .append(json.writeValueAsString(message)).append("\n\n");
            }
            write(out, batch.toString());
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---- WebSocket

    private void authorizeUpgrade(Context ctx) {
        ctx.attribute(WS_START, start(ctx, null));
    }

    private void connected(WsConnectContext ctx) {
        Start start = ctx.attribute(WS_START);
        var session = ctx.session;
        Subscriber subscriber = live.subscribe(start.roomId(), start.userId(), Subscriber.Kind.WEBSOCKET, start.after(),
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

    private void writeFrames(WsContext ctx, Subscriber subscriber) {
        var session = ctx.session;
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
                        int code = shuttingDown ? CLOSE_GOING_AWAY : CLOSE_POLICY;
                        session.close(code, subscriber.closeReason(), Callback.NOOP);
                    }
                    return;
                } else {
                    session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
                }
            }
        } catch (JsonProcessingException e) {
            log.error("could not serialise a message for room {}", subscriber.roomId(), e);
            session.close(1011, "server error", Callback.NOOP);
        } catch (Exception e) {
            // The peer went away or stopped reading for too long: drop the connection.
            session.disconnect();
        } finally {
            sockets.remove(ctx.sessionId());
            live.unsubscribe(subscriber);
        }
    }

    private void ended(WsContext ctx, String reason) {
        Subscriber subscriber = sockets.remove(ctx.sessionId());
        if (subscriber != null) {
            subscriber.close(reason);
        }
    }

    private static void closeThenDisconnect(org.eclipse.jetty.websocket.api.Session session, int code, String reason) {
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
