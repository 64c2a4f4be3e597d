package io.loomcluster.client;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket to the API over the JDK's client: whole text messages into a bounded queue (the
 * socket reads no further while it is full), the close code and reason the server sent. A socket
 * opened with {@code reading=false} reads nothing until {@link #resumeReading()}: a consumer that
 * has stopped, as seen by the server.
 */
public final class LiveSocket implements WebSocket.Listener, AutoCloseable {
    /** How the connection ended: the close code and reason, or -1 and the error. */
    public record Closed(int code, String reason) {
    }

    /** A text message and {@link System#nanoTime()} when its last fragment arrived. */
    public record Frame(String text, long receivedNanos) {
    }

    private static final int CAPACITY = 1024;
    private static final Frame END = new Frame(null, 0);

    private final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(CAPACITY + 1);
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean reading;
    private volatile boolean paused;
    private volatile WebSocket socket;
    private LoomClient client;
    private URI uri;
    private volatile AssertionError refusal;

    private LiveSocket(boolean reading) {
        this.reading = reading;
    }

    /**
     * Upgrades {@code pathAndQuery} on the client's base URL (http becomes ws), with the session cookie.
     * Waits for the upgrade; a refused one throws a {@link java.util.concurrent.CompletionException}
     * whose cause is the JDK's {@link java.net.http.WebSocketHandshakeException} (with the status).
     */
    static LiveSocket connect(LoomClient client, String pathAndQuery, String cookie, boolean reading) {
        LiveSocket listener = new LiveSocket(reading);
        listener.client = client;
        WebSocket.Builder builder = client.http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        for (String[] h : client.defaultHeaders()) {
            builder.header(h[0], h[1]);
        }
        if (cookie != null) {
            builder.header("Cookie", Names.SESSION_COOKIE + "=" + cookie);
        }
        URI base = client.base();
        String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
        listener.uri = URI.create(scheme + "://" + base.getRawAuthority() + pathAndQuery);
        listener.socket = builder.buildAsync(listener.uri, listener).join();
        return listener;
    }

    public WebSocket socket() {
        return socket;
    }

    /** Completes when the connection has ended. */
    public CompletableFuture<Closed> closed() {
        return closed;
    }

    /** The next text message, or null when none came within the timeout or the socket has ended. */
    public Frame poll(Duration timeout) throws InterruptedException {
        Frame frame = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (frame == END) {
            throwRefusal();
            frames.offer(END);
            return null;
        }
        requestMore();
        return frame;
    }

    /** The next text message, waiting as long as it takes; null once the socket has ended. */
    public Frame take() throws InterruptedException {
        Frame frame = frames.take();
        if (frame == END) {
            throwRefusal();
            frames.offer(END);
            return null;
        }
        requestMore();
        return frame;
    }

    /** The next text message; throws when none comes within the timeout. */
    public String next(Duration timeout) throws InterruptedException {
        Frame frame = poll(timeout);
        if (frame == null) {
            throw new IllegalStateException("no message within " + timeout + (closed.isDone() ? "; closed: " + closed.join() : ""));
        }
        return frame.text();
    }

    /** A socket opened without reading starts reading now. */
    public void resumeReading() {
        reading = true;
        socket.request(1);
    }

    private void requestMore() {
        if (paused && frames.size() < CAPACITY / 2) {
            paused = false;
            socket.request(1);
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        if (reading) {
            webSocket.request(1);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                client.observeFrame(uri, text);
            } catch (AssertionError e) {
                // An observer refused the frame: the socket ends and the reader is told.
                refusal = e;
                webSocket.abort();
                closed.complete(new Closed(-1, "refused by an observer: " + e.getMessage()));
                frames.offer(END);
                return null;
            }
            frames.offer(new Frame(text, System.nanoTime()));
        }
        if (frames.size() < CAPACITY) {
            webSocket.request(1);
        } else {
            paused = true;
        }
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        frames.offer(END);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Closed(-1, Failures.cause(error)));
        frames.offer(END);
    }

    private void throwRefusal() {
        AssertionError refused = refusal;
        if (refused != null) {
            throw new AssertionError(refused.getMessage(), refused);
        }
    }

    /** Sends one text frame (checked by the client's observers first, like the frames it receives), waiting until it is sent. */
    public void send(String text) {
        client.observeClientFrame(uri, text);
        socket.sendText(text, true).join();
    }

    /** Sends one text frame as it is, unchecked (for tests of what the server does with bad frames). */
    public void sendRaw(String text) {
        socket.sendText(text, true).join();
    }

    /** Sends a close frame (the server answers with its own). */
    public void close(int code, String reason) {
        socket.sendClose(code, reason).join();
    }

    /** Cuts the connection without a close handshake. */
    @Override
    public void close() {
        socket.abort();
        closed.complete(new Closed(-1, "aborted"));
        frames.offer(END);
    }
}
