package io.loomcluster.testing;


import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test's WebSocket client over the JDK's client; {@code reading=false} makes it a consumer that never reads. */
public final class WsClient implements WebSocket.Listener {
    public record Closed(int code, String reason) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    public final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final boolean reading;
    private final StringBuilder partial = new StringBuilder();
    public WebSocket socket;

    private WsClient(boolean reading) {
        this.reading = reading;
    }

    public static WsClient connect(ApiClient client, URI base, String path, boolean reading) {
        WsClient listener = new WsClient(reading);
        var builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        client.session().ifPresent(id -> builder.header("Cookie", "SESSION=" + id));
        URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + path);
        listener.socket = builder.buildAsync(uri, listener).join();
        return listener;
    }

    public String next(Duration timeout) throws InterruptedException {
        String frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame within " + timeout);
        }
        return frame;
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
            frames.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Closed(-1, String.valueOf(error)));
    }
}
