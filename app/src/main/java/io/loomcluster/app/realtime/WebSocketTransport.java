package io.loomcluster.app.realtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsMessageContext;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.Problems;
import io.loomcluster.app.messages.Change;
import io.loomcluster.app.messages.MessageService;
import io.loomcluster.app.messages.Posted;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The two-way WebSocket: {@code GET /api/ws} (a socket of the user's, following the rooms it
 * subscribes to) and {@code GET /api/rooms/{id}/ws} (the same, subscribed to that room from
 * {@code ?after=} at once; when that subscription ends, the socket closes). Server frames are the
 * rooms' changes and ephemeral events ({@link LiveFrames}), acks and errors; client frames post,
 * edit, delete, mark read, signal typing, subscribe, unsubscribe and ping, through the same
 * services and rules as REST (membership, the per-user write limit, idempotency by the post's
 * {@code id}). The frame protocol is in the contract ({@code x-websocket-frames}).
 *
 * <p>Each room subscription writes from its own virtual thread, blocking; a socket's writes are
 * serialised by a lock (never {@code synchronized}: they block on the network). Client frames are
 * handled one at a time per socket, on Jetty's (virtual) thread. A bad frame (not JSON, unknown
 * type, too large, over the frame rate) gets an {@code error} frame and changes nothing else; more
 * than {@value #MAX_ERRORS} errors within {@value #ERROR_WINDOW_SECONDS} s close the socket (1008).
 * Close codes: 1008 when a room socket's user left the room, the session ended, or the client fell
 * too far behind; 1001 at shutdown; 1013 when the instance is full; 1009 for a frame over
 * {@value #TRANSPORT_MAX_FRAME} bytes.
 */
public final class WebSocketTransport {
    /** Above this many bytes Jetty closes the connection (1009): the bound past which a frame is abuse. */
    static final int TRANSPORT_MAX_FRAME = 64 * 1024;
    static final int MAX_ROOMS_PER_SOCKET = 100;
    static final int FRAMES_PER_SECOND = 20;
    static final int FRAME_BURST = 40;
    static final int MAX_ERRORS = 50;
    static final int ERROR_WINDOW_SECONDS = 10;
    // The reason a subscription ends when its client unsubscribes or subscribes again: no frame says so.
    private static final String UNSUBSCRIBED = "unsubscribed";

    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    private static final String START = "loom.wsStart";
    private static final int CLOSE_GOING_AWAY = 1001;
    private static final int CLOSE_POLICY = 1008;
    private static final int CLOSE_TRY_LATER = 1013;
    private static final long CLOSE_GRACE_MILLIS = 2_000;

    /** What a client frame may do besides following rooms: the same services REST calls. */
    public interface Writes {
        Posted post(long roomId, long userId, String username, String text, String id);

        Change edit(long roomId, long messageId, long userId, String text);

        Change delete(long roomId, long messageId, long userId);

        boolean typing(long roomId, long userId, String username);

        /** Moves the user's read marker; the result is the ack's {@code read}. */
        Object read(long roomId, long userId, long upTo);

        static Writes of(MessageService messages, Typing typing, ReadMarks reads) {
            return new Writes() {
                @Override
                public Posted post(long roomId, long userId, String username, String text, String id) {
                    return messages.post(roomId, userId, username, text, id);
                }

                @Override
                public Change edit(long roomId, long messageId, long userId, String text) {
                    return messages.edit(roomId, messageId, userId, text);
                }

                @Override
                public Change delete(long roomId, long messageId, long userId) {
                    return messages.delete(roomId, messageId, userId);
                }

                @Override
                public boolean typing(long roomId, long userId, String username) {
                    return typing.typing(roomId, userId, username);
                }

                @Override
                public Object read(long roomId, long userId, long upTo) {
                    return reads.mark(roomId, userId, upTo);
                }
            };
        }
    }

    /** Moving a read marker (the read-state service). */
    @FunctionalInterface
    public interface ReadMarks {
        Object mark(long roomId, long userId, long upTo);
    }

    private final LiveRooms live;
    private final LiveAccess access;
    private final ObjectMapper json;
    private final LiveFrames frames;
    private final Writes writes;
    private final Function<Throwable, ApiException> errors;
    private final long heartbeatMillis;
    private final ConcurrentMap<String, Socket> sockets = new ConcurrentHashMap<>();

    /** {@code errors} turns a failure into its answer (null for a bug), as for REST. */
    public WebSocketTransport(LiveRooms live, LiveAccess access, ObjectMapper json, Writes writes,
                              Function<Throwable, ApiException> errors, Duration heartbeat) {
        this.live = live;
        this.access = access;
        this.json = json;
        this.frames = new LiveFrames(json);
        this.writes = writes;
        this.errors = errors;
        this.heartbeatMillis = heartbeat.toMillis();
    }

    public void register(RoutesConfig routes) {
        routes.wsBeforeUpgrade("/api/rooms/{id}/ws", ctx -> ctx.attribute(START, access.admit(ctx, null)));
        routes.ws("/api/rooms/{id}/ws", this::handlers);
        routes.wsBeforeUpgrade("/api/ws", ctx -> ctx.attribute(START, access.admitUser(ctx)));
        routes.ws("/api/ws", this::handlers);
    }

    private void handlers(WsConfig ws) {
        ws.onConnect(this::connected);
        ws.onMessage(this::received);
        ws.onClose(ctx -> ended(ctx, "closed by client"));
        ws.onError(ctx -> ended(ctx, "connection error"));
    }

    private void connected(WsConnectContext ctx) {
        LiveAccess.Start start = ctx.attribute(START);
        Session session = ctx.session;
        // Idle-timeout is left to our pings: a live but quiet connection must not be cut.
        session.setIdleTimeout(Duration.ofMillis(heartbeatMillis * 3));
        session.setMaxTextMessageSize(TRANSPORT_MAX_FRAME);
        Socket socket = new Socket(session, start, start.roomId() > 0);
        sockets.put(ctx.sessionId(), socket);
        if (socket.roomBound) {
            ApiException refused = socket.subscribe(start.roomId(), start.after());
            if (refused != null) {
                sockets.remove(ctx.sessionId());
                session.close(CLOSE_TRY_LATER, refused.detail(), Callback.NOOP);
            }
        }
    }

    private void received(WsMessageContext ctx) {
        Socket socket = sockets.get(ctx.sessionId());
        if (socket != null) {
            socket.handle(ctx.message());
        }
    }

    private void ended(WsContext ctx, String reason) {
        Socket socket = sockets.remove(ctx.sessionId());
        if (socket != null) {
            socket.end(reason);
        }
    }

    /** One open socket: its room subscriptions, its send lock, its frame-rate and error budgets. */
    private final class Socket {
        private final Session session;
        private final LiveAccess.Start start;
        private final boolean roomBound;
        private final ConcurrentMap<Long, Subscriber<RoomEvent>> rooms = new ConcurrentHashMap<>();
        private final ReentrantLock sending = new ReentrantLock();
        private volatile long lastSentNanos = System.nanoTime();
        private volatile boolean ending;
        // The frame budget and the error count: touched only while handling a client frame, and
        // Jetty hands a socket's frames over one at a time.
        private double tokens = FRAME_BURST;
        private long refilledNanos = System.nanoTime();
        private int errorsInWindow;
        private long errorWindowStart = System.nanoTime();

        Socket(Session session, LiveAccess.Start start, boolean roomBound) {
            this.session = session;
            this.start = start;
            this.roomBound = roomBound;
        }

        /** Null when subscribed, else why not. */
        ApiException subscribe(long roomId, long after) {
            Subscriber<RoomEvent> previous = rooms.get(roomId);
            if (previous == null && rooms.size() >= MAX_ROOMS_PER_SOCKET) {
                return new ApiException(409, "Too many rooms", "a socket follows at most " + MAX_ROOMS_PER_SOCKET
                        + " rooms; unsubscribe from one first");
            }
            if (previous != null) {
                previous.close(UNSUBSCRIBED);
            }
            Subscriber<RoomEvent> subscriber = live.subscribe(roomId, start.userId(), start.sessionId(),
                    Subscriber.Kind.WEBSOCKET, after, start.ephemeral(),
                    () -> closeThenDisconnect(CLOSE_POLICY, "slow consumer; reconnect and resubscribe after your last position"));
            if (subscriber == null) {
                return ApiException.unavailable("too many live connections on this instance", 2);
            }
            rooms.put(roomId, subscriber);
            Thread.ofVirtual().name("ws-room-" + roomId).start(() -> forward(roomId, subscriber));
            return null;
        }

        private void forward(long roomId, Subscriber<RoomEvent> subscriber) {
            try {
                while (session.isOpen()) {
                    RoomEvent event = subscriber.next(heartbeatMillis);
                    if (event != null) {
                        send(frames.frame(event));
                    } else if (subscriber.isClosed()) {
                        subscriptionEnded(roomId, subscriber);
                        return;
                    } else if (System.nanoTime() - lastSentNanos >= heartbeatMillis * 1_000_000) {
                        session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
                    }
                }
            } catch (Exception e) {
                // The peer went away or stopped reading for too long: drop the connection.
                session.disconnect();
            } finally {
                rooms.remove(roomId, subscriber);
                live.unsubscribe(subscriber);
            }
        }

        private void subscriptionEnded(long roomId, Subscriber<RoomEvent> subscriber) throws Exception {
            if (ending || UNSUBSCRIBED.equals(subscriber.closeReason())) {
                return;
            }
            if (roomBound || subscriber.sessionEnded() || live.shuttingDown()) {
                // When the client closed first, the server's close frame is already on its way.
                session.close(live.shuttingDown() ? CLOSE_GOING_AWAY : CLOSE_POLICY, subscriber.closeReason(), Callback.NOOP);
                return;
            }
            if (rooms.remove(roomId, subscriber)) {
                send(frames.write(Map.of("type", "unsubscribed", "roomId", roomId, "reason", subscriber.closeReason())));
            }
        }

        void send(String text) throws Exception {
            sending.lock();
            try {
                Callback.Completable sent = new Callback.Completable();
                session.sendText(text, sent);
                sent.get(heartbeatMillis * 2, TimeUnit.MILLISECONDS);
                lastSentNanos = System.nanoTime();
            } finally {
                sending.unlock();
            }
        }

        void handle(String text) {
            if (!takeToken()) {
                error(null, new ApiException(429, "Too many frames", "at most " + FRAMES_PER_SECOND
                        + " frames a second (bursts of " + FRAME_BURST + "); this frame was dropped"));
                return;
            }
            ClientFrame.Parsed parsed;
            try {
                parsed = ClientFrame.parse(json, text);
            } catch (ClientFrame.Refused e) {
                error(e.ref(), e.problem());
                return;
            } catch (ApiException e) {
                error(null, e);
                return;
            }
            String ref = parsed.ref();
            try {
                ObjectNode result = act(parsed.frame());
                if (ref != null) {
                    ObjectNode ack = json.createObjectNode().put("type", "ack").put("ref", ref).put("ok", true);
                    ack.setAll(result);
                    send(frames.write(ack));
                }
            } catch (ApiException e) {
                error(ref, e);
            } catch (Exception e) {
                ApiException api = errors.apply(e);
                if (api == null) {
                    log.error("WebSocket frame of user {} failed", start.userId(), e);
                    api = new ApiException(500, "Internal error", "the server failed to handle this frame");
                }
                error(ref, api);
            }
        }

        private ObjectNode act(ClientFrame frame) {
            long userId = start.userId();
            ObjectNode result = json.createObjectNode();
            switch (frame) {
                case ClientFrame.Ping p -> { }
                case ClientFrame.Subscribe f -> {
                    ApiException refused = subscribe(f.roomId(), access.start(f.roomId(), userId, f.after()));
                    if (refused != null) {
                        throw refused;
                    }
                    result.put("roomId", f.roomId());
                }
                case ClientFrame.Unsubscribe f -> {
                    Subscriber<RoomEvent> subscriber = rooms.remove(f.roomId());
                    if (subscriber != null) {
                        subscriber.close(UNSUBSCRIBED);
                    }
                    result.put("roomId", f.roomId());
                }
                case ClientFrame.Post f -> {
                    Posted posted = writes.post(f.roomId(), userId, start.username(), f.text(), f.id());
                    result.set("message", json.valueToTree(posted.message()));
                    result.put("replayed", posted.replayed());
                }
                case ClientFrame.Edit f -> result.set("message",
                        json.valueToTree(writes.edit(f.roomId(), f.messageId(), userId, f.text()).message()));
                case ClientFrame.Delete f -> result.set("message",
                        json.valueToTree(writes.delete(f.roomId(), f.messageId(), userId).message()));
                case ClientFrame.Typing f -> result.put("broadcast", writes.typing(f.roomId(), userId, start.username()));
                case ClientFrame.Read f -> result.set("read", json.valueToTree(writes.read(f.roomId(), userId, f.upTo())));
            }
            return result;
        }

        private boolean takeToken() {
            long now = System.nanoTime();
            tokens = Math.min(FRAME_BURST, tokens + (now - refilledNanos) * FRAMES_PER_SECOND / 1e9);
            refilledNanos = now;
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }

        private void error(String ref, ApiException problem) {
            long now = System.nanoTime();
            if (now - errorWindowStart > ERROR_WINDOW_SECONDS * 1_000_000_000L) {
                errorWindowStart = now;
                errorsInWindow = 0;
            }
            if (++errorsInWindow > MAX_ERRORS) {
                closeThenDisconnect(CLOSE_POLICY, "more than " + MAX_ERRORS + " bad frames within " + ERROR_WINDOW_SECONDS + " s");
                return;
            }
            ObjectNode frame = json.createObjectNode();
            if (ref != null) {
                frame.put("type", "ack").put("ref", ref).put("ok", false);
            } else {
                frame.put("type", "error");
            }
            frame.set("problem", json.valueToTree(Problems.body(problem.status(), problem.title(), problem.detail())));
            try {
                send(frames.write(frame));
            } catch (Exception e) {
                session.disconnect();
            }
        }

        void end(String reason) {
            ending = true;
            for (Iterator<Subscriber<RoomEvent>> it = rooms.values().iterator(); it.hasNext(); ) {
                it.next().close(reason);
                it.remove();
            }
        }

        private void closeThenDisconnect(int code, String reason) {
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

}
