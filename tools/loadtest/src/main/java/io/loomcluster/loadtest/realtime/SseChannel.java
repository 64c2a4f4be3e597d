package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Json;
import io.loomcluster.loadtest.api.Session;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code GET /events} as Server-Sent Events; resumes with {@code Last-Event-ID}. */
final class SseChannel implements Channel {
    private static final Duration CONNECT = Duration.ofSeconds(30);

    private final ApiClient api;
    private final URI base;
    private final long roomId;
    private final Session session;
    private volatile InputStream stream;
    private volatile Request request;

    SseChannel(ApiClient api, URI base, long roomId, Session session) {
        this.api = api;
        this.base = base;
        this.roomId = roomId;
        this.session = session;
    }

    @Override
    public void run(long afterId, Subscriber sink) throws IOException, InterruptedException {
        // No total timeout: the stream is meant to stay open; the wait for the headers is bounded below.
        Request sse = api.request(base, "/api/rooms/" + roomId + "/events?after=" + afterId, session, CONNECT)
                .timeout(0, TimeUnit.MILLISECONDS)
                .method(HttpMethod.GET)
                .headers(h -> h.put(HttpHeader.ACCEPT, "text/event-stream").put("Last-Event-ID", Long.toString(afterId)));
        request = sse;
        InputStreamResponseListener listener = new InputStreamResponseListener();
        sse.send(listener);
        Response response = awaitHeaders(listener, sse);
        try (InputStream body = listener.getInputStream()) {
            stream = body;
            if (response.getStatus() != 200) {
                throw new SubscriptionException("HTTP " + response.getStatus());
            }
            String instance = response.getHeaders().get("X-Instance-Id");
            sink.connected(instance == null ? base.getAuthority() : instance);
            read(new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)), sink);
        }
    }

    private static Response awaitHeaders(InputStreamResponseListener listener, Request sse)
            throws IOException, InterruptedException {
        try {
            return listener.get(CONNECT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            sse.abort(e);
            throw new SubscriptionException("timeout");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private static void read(BufferedReader reader, Subscriber sink) throws IOException {
        StringBuilder data = new StringBuilder();
        String event = "message";
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (!data.isEmpty() && "message".equals(event)) {
                    sink.message(Json.MAPPER.readTree(data.toString()), System.nanoTime());
                }
                data.setLength(0);
                event = "message";
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(field(line, 5));
            } else if (line.startsWith("event:")) {
                event = field(line, 6);
            }
            // "id:" is the message id, which the data also holds; ":" lines are heartbeats.
        }
    }

    private static String field(String line, int from) {
        return line.length() > from && line.charAt(from) == ' ' ? line.substring(from + 1) : line.substring(from);
    }

    @Override
    public void close() {
        Request r = request;
        if (r != null) {
            r.abort(new IOException("subscriber closed"));
        }
        InputStream s = stream;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // Closing is how the stream is ended; an error here changes nothing.
            }
        }
    }
}
