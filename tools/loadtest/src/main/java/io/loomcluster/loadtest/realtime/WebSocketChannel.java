package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.api.Failures;
import io.loomcluster.loadtest.api.Json;
import io.loomcluster.loadtest.api.Session;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** {@code GET /ws} upgraded to a WebSocket; each text frame is a message. */
final class WebSocketChannel implements Channel {
    private final HttpClient http;
    private final URI base;
    private final long roomId;
    private final Session session;
    private volatile WebSocket socket;
    private volatile CompletableFuture<Void> ended;

    WebSocketChannel(HttpClient http, URI base, long roomId, Session session) {
        this.http = http;
        this.base = base;
        this.roomId = roomId;
        this.session = session;
    }

    @Override
    public void run(long afterId, Subscriber sink) throws IOException, InterruptedException {
        String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
        URI uri = URI.create(scheme + "://" + base.getAuthority() + "/api/rooms/" + roomId + "/ws?after=" + afterId);
        CompletableFuture<Void> end = new CompletableFuture<>();
        ended = end;
        try {
            socket = http.newWebSocketBuilder()
                    .header("Cookie", session.cookieHeader())
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, new Listener(sink, end)).get();
            // The JDK client does not expose the upgrade's response headers, so the address names the instance.
            sink.connected(base.getAuthority());
            end.get();
        } catch (ExecutionException e) {
            throw new SubscriptionException(describe(e.getCause()));
        }
    }

    private static String describe(Throwable error) {
        if (error instanceof WebSocketHandshakeException handshake) {
            return "HTTP " + handshake.getResponse().statusCode() + " on upgrade";
        }
        if (error instanceof SubscriptionException refused) {
            return refused.getMessage();
        }
        return error == null ? Failures.CLOSED : Failures.cause(error);
    }

    @Override
    public void close() {
        WebSocket s = socket;
        if (s != null) {
            s.abort();
        }
        CompletableFuture<Void> end = ended;
        if (end != null) {
            end.complete(null);
        }
    }

    private static final class Listener implements WebSocket.Listener {
        private final Subscriber sink;
        private final CompletableFuture<Void> end;
        private final StringBuilder frame = new StringBuilder();

        Listener(Subscriber sink, CompletableFuture<Void> end) {
            this.sink = sink;
            this.end = end;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                long received = System.nanoTime();
                try {
                    sink.message(Json.MAPPER.readTree(frame.toString()), received);
                } catch (IOException e) {
                    end.completeExceptionally(new SubscriptionException("frame is not a message: " + e.getMessage()));
                }
                frame.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end.completeExceptionally(new SubscriptionException("closed by server (" + statusCode + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end.completeExceptionally(error);
        }
    }
}
