package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Json;
import io.loomcluster.loadtest.api.Session;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** {@code GET /events} as Server-Sent Events; resumes with {@code Last-Event-ID}. */
final class SseChannel implements Channel {
    private final ApiClient api;
    private final URI base;
    private final long roomId;
    private final Session session;
    private volatile InputStream stream;

    SseChannel(ApiClient api, URI base, long roomId, Session session) {
        this.api = api;
        this.base = base;
        this.roomId = roomId;
        this.session = session;
    }

    @Override
    public void run(long afterId, Subscriber sink) throws IOException, InterruptedException {
        HttpRequest request = api.request(base, "/api/rooms/" + roomId + "/events?after=" + afterId, session,
                        Duration.ofSeconds(30))
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", Long.toString(afterId))
                .GET().build();
        HttpResponse<InputStream> response = api.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            stream = body;
            if (response.statusCode() != 200) {
                throw new SubscriptionException("HTTP " + response.statusCode());
            }
            sink.connected(response.headers().firstValue("X-Instance-Id").orElse(base.getAuthority()));
            read(new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)), sink);
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
