package io.loomcluster.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * A live subscriber of one room (Server-Sent Events or WebSocket) that does what the README asks
 * of clients: when the stream ends for any reason it reconnects, resuming after the last message id
 * it saw ({@code Last-Event-ID} or {@code ?after=}). Counts what it received and how often it
 * had to reconnect.
 */
public final class LiveFollower implements AutoCloseable {
    public enum Transport { SSE, WEBSOCKET }

    private final HttpClient http;
    private final URI base;
    private final long roomId;
    private final String session;
    private final Transport transport;
    private final Set<Long> received = ConcurrentHashMap.newKeySet();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final AtomicLong lastId = new AtomicLong(-1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean connected = new AtomicBoolean();
    private final Thread thread;

    public LiveFollower(HttpClient http, URI base, long roomId, String session, Transport transport) {
        this.http = http;
        this.base = base;
        this.roomId = roomId;
        this.session = session;
        this.transport = transport;
        this.thread = Thread.ofVirtual().name("follower-" + transport + "-" + roomId).start(this::follow);
    }

    private void follow() {
        while (!closed.get()) {
            try {
                if (transport == Transport.SSE) {
                    followSse();
                } else {
                    followWebSocket();
                }
            } catch (IOException | RuntimeException e) {
                // the stream ended (balancer or instance went away): reconnect below
            } catch (InterruptedException e) {
                return;
            }
            connected.set(false);
            if (!closed.get()) {
                reconnects.increment();
                ApiUser.sleep(200);
            }
        }
    }

    private void followSse() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/api/rooms/" + roomId + "/events"))
                .header("Cookie", "SESSION=" + session).header("Accept", "text/event-stream");
        long last = lastId.get();
        if (last >= 0) {
            request.header("Last-Event-ID", Long.toString(last));
        }
        HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) {
                return;
            }
            connected.set(true);
            var it = lines.iterator();
            while (!closed.get() && it.hasNext()) {
                String line = it.next();
                if (line.startsWith("data: {") && line.contains("\"roomId\"")) {
                    deliver(ApiUser.JSON.readTree(line.substring("data: ".length())));
                }
            }
        }
    }

    private void followWebSocket() throws InterruptedException {
        long last = lastId.get();
        String query = last >= 0 ? "?after=" + last : "";
        URI uri = URI.create(base.toString().replaceFirst("^http", "ws") + "/api/rooms/" + roomId + "/ws" + query);
        CompletableFuture<Void> ended = new CompletableFuture<>();
        WebSocket ws;
        try {
            ws = http.newWebSocketBuilder().header("Cookie", "SESSION=" + session)
                    .connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(uri, new Listener(ended)).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return;
        }
        connected.set(true);
        try {
            while (!closed.get() && !ended.isDone()) {
                try {
                    ended.get(200, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // still open, or ended with an error: the loop condition decides
                }
            }
        } finally {
            ws.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final CompletableFuture<Void> ended;
        private final StringBuilder partial = new StringBuilder();

        Listener(CompletableFuture<Void> ended) {
            this.ended = ended;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    deliver(ApiUser.JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    ended.complete(null);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            ended.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            ended.complete(null);
        }
    }

    private void deliver(JsonNode message) {
        long id = message.get("id").asLong();
        if (!received.add(id)) {
            duplicates.increment();
        }
        lastId.accumulateAndGet(id, Math::max);
    }

    public boolean isConnected() {
        return connected.get();
    }

    public Set<Long> received() {
        return Set.copyOf(received);
    }

    public long duplicates() {
        return duplicates.sum();
    }

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
        closed.set(true);
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
