package io.loomcluster.lb.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Server-Sent Events stream read on a virtual thread; each {@code data:} line is kept as JSON. */
public final class EventStream implements AutoCloseable {
    private final HttpResponse<InputStream> response;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private EventStream(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens the stream; returns once the response headers arrived. */
    public static EventStream open(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return new EventStream(Http.CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    public List<JsonNode> events() {
        return events;
    }

    /** The newest event, or null before the first. */
    public JsonNode latest() {
        return events.isEmpty() ? null : events.getLast();
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    events.add(Http.json(line.substring(5).trim()));
                }
            }
        } catch (IOException e) {
            // Closed by the test or by the server: the events read so far stay.
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // Already closed.
        }
        reader.interrupt();
    }
}
