package io.loomcluster.lb.dashboard;

import io.loomcluster.contract.Names;
import io.loomcluster.lb.backend.Backend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open SSE and WebSocket connections per instance, read from each healthy backend's Prometheus
 * {@code /metrics} ({@code loom_live_connections_sse}, {@code loom_live_connections_websocket}, asked
 * for by name so an instance writes only those).
 * Requests are asynchronous with a short timeout; a backend that fails to answer, or has no such
 * gauges, simply has no figure until the next poll.
 */
final class LiveConnections {
    static final String SSE = Names.LIVE_CONNECTIONS_SSE;
    static final String WEBSOCKET = Names.LIVE_CONNECTIONS_WEBSOCKET;
    // Only the two gauges (name[] as the Prometheus exporters read it), not the whole scrape.
    private static final String PATH = "/metrics?name%5B%5D=" + SSE + "&name%5B%5D=" + WEBSOCKET;

    /** Open connections on one instance. */
    record Counts(long sse, long websocket) {
    }

    private final HttpClient client;
    private final long timeoutMillis;
    private final Map<URI, Counts> latest = new ConcurrentHashMap<>();
    private final Set<URI> pending = ConcurrentHashMap.newKeySet();

    LiveConnections(HttpClient client, long timeoutMillis) {
        this.client = client;
        this.timeoutMillis = timeoutMillis;
    }

    /** The last figures of a backend, or null when unknown. */
    Counts of(Backend backend) {
        return latest.get(backend.uri());
    }

    /** Starts one scrape of each backend given (at most one outstanding per backend); forgets the others. */
    void poll(List<Backend> healthy) {
        Set<URI> polled = new HashSet<>();
        for (Backend backend : healthy) {
            URI uri = backend.uri();
            polled.add(uri);
            if (!pending.add(uri)) {
                continue;
            }
            HttpRequest request = HttpRequest.newBuilder(uri.resolve(PATH))
                    .timeout(Duration.ofMillis(timeoutMillis)).GET().build();
            client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                pending.remove(uri);
                Counts counts = failure == null && response.statusCode() == 200 ? parse(response.body()) : null;
                if (counts == null) {
                    latest.remove(uri);
                } else {
                    latest.put(uri, counts);
                }
            });
        }
        latest.keySet().retainAll(polled);
    }

    /** Sums the two gauges over their label sets; null when the text has neither. */
    static Counts parse(String prometheusText) {
        long sse = 0;
        long websocket = 0;
        boolean found = false;
        for (String line : prometheusText.split("\n")) {
            if (isSample(line, SSE)) {
                sse += value(line, SSE);
                found = true;
            } else if (isSample(line, WEBSOCKET)) {
                websocket += value(line, WEBSOCKET);
                found = true;
            }
        }
        return found ? new Counts(sse, websocket) : null;
    }

    private static boolean isSample(String line, String name) {
        return line.startsWith(name) && line.length() > name.length()
                && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ');
    }

    private static long value(String line, String name) {
        // The value follows the name or the closing brace of the labels; a timestamp may follow it.
        int start = line.charAt(name.length()) == '{' ? line.lastIndexOf('}') + 1 : name.length();
        String[] parts = line.substring(start).trim().split("\\s+");
        try {
            return Math.round(Double.parseDouble(parts[0]));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
