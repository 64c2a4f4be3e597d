package io.loomcluster.client;

import java.io.IOException;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A room's messages, kept flowing: one virtual thread holds the stream open over its
 * {@link Transport}, and when it ends for any reason (the instance went away, the balancer
 * restarted, the server dropped a slow consumer) reconnects after a pause, resuming after the last
 * message id it delivered. So the listener gets each message once and in order; one the server
 * sends again is reported as a duplicate, not delivered.
 */
public final class Subscription implements AutoCloseable {
    /** Called on the subscription's thread; keep it short. */
    public interface Listener {
        /** A connection attempt starts (the first, or a reconnect after the pause). */
        default void connecting() {
        }

        /** The stream is established; {@code instance} is the server's X-Instance-Id, or its address. */
        default void connected(String instance) {
        }

        void message(Message message, long receivedNanos);

        /** A message at or below the last id delivered: the server sent it again. */
        default void duplicate(Message message) {
        }

        /** The stream failed or ended, with the cause ("HTTP 403", "connection refused", ...); a reconnect follows. */
        default void disconnected(String cause) {
        }
    }

    /** Waited between reconnects, so that a refusing server is not hammered by every subscriber. */
    public static final Duration RECONNECT_PAUSE = Duration.ofMillis(500);
    static final int LONG_POLL_SECONDS = 20;
    private static final int LONG_POLL_LIMIT = 100;

    private final Session session;
    private final long roomId;
    private final Transport transport;
    private final Listener listener;
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    private final LongAdder reconnects = new LongAdder();
    private final Thread thread;
    private volatile long lastId;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile AutoCloseable stream;

    /** {@code after}: the last id already seen, or -1 for "from now" (SSE and WebSocket only). */
    Subscription(Session session, long roomId, long after, Transport transport, Listener listener) {
        if (after < 0 && transport == Transport.LONG_POLL) {
            throw new IllegalArgumentException("a long-poll subscription needs the id to start after");
        }
        this.session = session;
        this.roomId = roomId;
        this.lastId = after;
        this.transport = transport;
        this.listener = listener;
        this.thread = Thread.ofVirtual().name("subscription-" + transport + "-" + roomId).start(this::run);
    }

    private static final class Refused extends IOException {
        Refused(String cause) {
            super(cause);
        }
    }

    private void run() {
        while (!closed) {
            listener.connecting();
            try {
                switch (transport) {
                    case SSE -> sse();
                    case WEBSOCKET -> webSocket();
                    case LONG_POLL -> longPoll();
                }
                ended(Failures.CLOSED);
            } catch (Refused e) {
                ended(e.getMessage());
            } catch (IOException | RuntimeException e) {
                ended(Failures.cause(e));
            } catch (InterruptedException e) {
                return;
            }
            if (closed || !pause()) {
                return;
            }
            reconnects.increment();
        }
    }

    private void ended(String cause) {
        connected = false;
        if (!closed) {
            listener.disconnected(cause);
        }
    }

    private void sse() throws IOException, InterruptedException {
        try (EventStream events = session.events(roomId, lastId >= 0 ? Long.toString(lastId) : null)) {
            stream = events;
            if (events.status() != 200) {
                throw new Refused("HTTP " + events.status());
            }
            established(events.header(Names.INSTANCE_ID));
            for (SseEvent event = events.take(); !event.isEnd() && !closed; event = events.take()) {
                if (event.event().equals("message")) {
                    deliver(Json.read(event.data(), Message.class), event.receivedNanos());
                }
            }
        }
    }

    private void webSocket() throws IOException, InterruptedException {
        String query = lastId >= 0 ? "?after=" + lastId : "";
        LiveSocket socket;
        try {
            socket = session.webSocket("/api/rooms/" + roomId + "/ws" + query, true);
        } catch (CompletionException e) {
            throw e.getCause() instanceof WebSocketHandshakeException refused
                    ? new Refused("HTTP " + refused.getResponse().statusCode() + " on upgrade")
                    : new Refused(Failures.cause(e.getCause() == null ? e : e.getCause()));
        }
        try (socket) {
            stream = socket;
            // The JDK client does not expose the upgrade's response headers, so the address names the instance.
            established(null);
            for (LiveSocket.Frame frame = socket.take(); frame != null && !closed; frame = socket.take()) {
                // New messages only: edits, deletes, typing and presence frames are other types.
                if (isNewMessage(frame.text())) {
                    deliver(Json.read(frame.text(), Message.class), frame.receivedNanos());
                }
            }
            LiveSocket.Closed end = socket.closed().getNow(null);
            if (end != null && end.code() > 0 && !closed) {
                throw new Refused("closed by server (" + end.code() + ")");
            }
        }
    }

    private static boolean isNewMessage(String frame) {
        com.fasterxml.jackson.databind.JsonNode type = Json.tree(frame).get("type");
        return type == null || type.asText().equals("message");
    }

    private void longPoll() throws IOException, InterruptedException {
        // The first poll does not wait: its answer is what "connected" means for long-polling.
        int wait = 0;
        while (!closed) {
            Request request = Request.get("/api/rooms/" + roomId + "/messages?after=" + lastId + "&limit="
                    + LONG_POLL_LIMIT + "&wait=" + wait).timeout(Duration.ofSeconds(wait + 10L));
            Reply reply = session.send(request);
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            if (!reply.answered()) {
                throw new Refused(reply.failure());
            }
            if (reply.status() != 200) {
                throw new Refused("HTTP " + reply.status());
            }
            if (wait == 0) {
                established(reply.instanceId());
                wait = LONG_POLL_SECONDS;
            }
            for (Message message : reply.as(MessagePage.class).items()) {
                deliver(message, reply.endNanos());
            }
        }
    }

    private void established(String instance) {
        connected = true;
        listener.connected(instance != null ? instance : session.client().base().getRawAuthority());
        firstConnect.countDown();
    }

    private void deliver(Message message, long receivedNanos) {
        if (message.id() <= lastId) {
            listener.duplicate(message);
            return;
        }
        lastId = message.id();
        listener.message(message, receivedNanos);
    }

    private boolean pause() {
        try {
            Thread.sleep(RECONNECT_PAUSE);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Waits for the first connection; false when it did not happen within the timeout. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return firstConnect.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether a stream is established right now. */
    public boolean isConnected() {
        return connected;
    }

    /** The id of the last message delivered (where a reconnect resumes). */
    public long lastId() {
        return lastId;
    }

    /** How often the stream was re-established after it ended. */
    public long reconnects() {
        return reconnects.sum();
    }

    public long roomId() {
        return roomId;
    }

    public Transport transport() {
        return transport;
    }

    @Override
    public void close() {
        closed = true;
        AutoCloseable s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (Exception e) {
                // Closing is the point; an error here changes nothing.
            }
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
