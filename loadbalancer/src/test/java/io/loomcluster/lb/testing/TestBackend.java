package io.loomcluster.lb.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.contract.Names;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for the balancer's integration tests, run as a real process (PORT, INSTANCE_ID, BIND).
 * <ul>
 *   <li>{@code /health/ready} 200, or 503 after {@code /control/ready?value=false}</li>
 *   <li>{@code /echo} (and any other path): JSON of method, path, query, headers, body length</li>
 *   <li>{@code /sse?count=N}: one event now, each further one after a {@code /control/next}</li>
 *   <li>{@code /slow?ms=N}: answers after N ms; {@code /hang}: never answers while hang mode is on</li>
 *   <li>{@code /ws}: WebSocket echo; text {@code close:CODE} makes the backend close with CODE</li>
 *   <li>{@code /control/stats}: requests served, requests hanging, last close code from a client</li>
 *   <li>{@code /metrics}: the app's live-connection gauges (open {@code /sse} streams and WebSockets)</li>
 * </ul>
 */
public final class TestBackend extends Handler.Abstract {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final AtomicBoolean hang = new AtomicBoolean(false);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger hanging = new AtomicInteger();
    private final AtomicInteger lastClientClose = new AtomicInteger();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final AtomicInteger openWebSockets = new AtomicInteger();
    private final Semaphore nextEvent = new Semaphore(0);

    private TestBackend(String id) {
        this.id = id;
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv("PORT"));
        TestBackend backend = new TestBackend(System.getenv().getOrDefault("INSTANCE_ID", "backend-" + port));
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(System.getenv().getOrDefault("BIND", "127.0.0.1"));
        connector.setPort(port);
        server.addConnector(connector);
        WebSocketUpgradeHandler webSockets = WebSocketUpgradeHandler.from(server, container ->
                container.addMapping("/ws", (request, response, callback) -> backend.new EchoSocket(
                        request.getHttpURI().getQuery(), request.getHeaders().get(HttpHeader.COOKIE))));
        webSockets.setHandler(backend);
        server.setHandler(webSockets);
        server.start();
        System.out.println("test backend " + backend.id + " on port " + port);
        server.join();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        response.getHeaders().put(Names.INSTANCE_ID_HEADER, id);
        String requestId = request.getHeaders().get("X-Request-Id");
        if (requestId != null) {
            response.getHeaders().put("X-Request-Id", requestId);
        }
        String path = Request.getPathInContext(request);
        Fields query = Request.extractQueryParameters(request);
        if ("websocket".equalsIgnoreCase(request.getHeaders().get(HttpHeader.UPGRADE))) {
            text(response, callback, 404, "no WebSocket here");
            return true;
        }
        switch (path) {
            case "/health/ready" -> text(response, callback, ready.get() ? 200 : 503, ready.get() ? "ready" : "draining");
            case "/health/live" -> text(response, callback, 200, "live");
            case "/control/ready" -> control(response, callback, () -> ready.set(Boolean.parseBoolean(query.getValue("value"))));
            case "/control/hang" -> control(response, callback, () -> hang.set(Boolean.parseBoolean(query.getValue("value"))));
            case "/control/next" -> control(response, callback, nextEvent::release);
            case "/control/stats" -> text(response, callback, 200, stats());
            case "/metrics" -> text(response, callback, 200, metrics());
            default -> {
                requests.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(path, query, request, response, callback));
            }
        }
        return true;
    }

    private void serve(String path, Fields query, Request request, Response response, Callback callback) {
        try {
            switch (path) {
                case "/sse" -> events(Integer.parseInt(query.getValue("count")), response, callback);
                case "/slow" -> {
                    Thread.sleep(Long.parseLong(query.getValue("ms")));
                    echo(request, response, callback);
                }
                case "/hang" -> {
                    if (hang.get()) {
                        hanging.incrementAndGet();
                        new CountDownLatch(1).await();
                    }
                    echo(request, response, callback);
                }
                default -> echo(request, response, callback);
            }
        } catch (Exception e) {
            callback.failed(e);
        }
    }

    private void echo(Request request, Response response, Callback callback) throws Exception {
        int bodyLength = Content.Source.asByteBuffer(request).remaining();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.computeIfAbsent(field.getLowerCaseName(), k -> new ArrayList<>()).add(field.getValue());
        }
        Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("instance", id);
        echo.put("method", request.getMethod());
        echo.put("path", request.getHttpURI().getPath());
        echo.put("query", request.getHttpURI().getQuery());
        echo.put("headers", headers);
        echo.put("bodyLength", bodyLength);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, StandardCharsets.UTF_8.encode(JSON.writeValueAsString(echo)), callback);
    }

    private void events(int count, Response response, Callback callback) throws Exception {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        openStreams.incrementAndGet();
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            for (int i = 1; i <= count; i++) {
                if (i > 1) {
                    nextEvent.acquire();
                }
                out.write(("id: " + i + "\ndata: event " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } finally {
            openStreams.decrementAndGet();
        }
        callback.succeeded();
    }

    private String stats() {
        return "{\"requests\":" + requests.get() + ",\"hanging\":" + hanging.get() + ",\"lastClientClose\":"
                + lastClientClose.get() + "}";
    }

    /** The same gauge names and label as the app's Prometheus registry. */
    private String metrics() {
        return gauge(Names.LIVE_CONNECTIONS_SSE, openStreams.get()) + gauge(Names.LIVE_CONNECTIONS_WEBSOCKET, openWebSockets.get());
    }

    private String gauge(String name, int value) {
        return "# TYPE " + name + " gauge\n" + name + "{instance_id=\"" + id + "\"} " + value + ".0\n";
    }

    private static void control(Response response, Callback callback, Runnable action) {
        action.run();
        text(response, callback, 200, "ok");
    }

    private static void text(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.write(true, StandardCharsets.UTF_8.encode(body), callback);
    }

    /** Says what it was connected with, then echoes; {@code close:CODE} closes from this side. */
    public final class EchoSocket implements Session.Listener.AutoDemanding {
        private final String query;
        private final String cookie;
        private Session session;

        EchoSocket(String query, String cookie) {
            this.query = query;
            this.cookie = cookie;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            openWebSockets.incrementAndGet();
            session.sendText("open " + id + " query=" + query + " cookie=" + cookie,
                    org.eclipse.jetty.websocket.api.Callback.NOOP);
        }

        @Override
        public void onWebSocketText(String message) {
            if (message.startsWith("close:")) {
                session.close(Integer.parseInt(message.substring(6)), "backend closes",
                        org.eclipse.jetty.websocket.api.Callback.NOOP);
            } else {
                session.sendText(message, org.eclipse.jetty.websocket.api.Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback callback) {
            lastClientClose.set(statusCode);
            openWebSockets.decrementAndGet();
            callback.succeed();
        }
    }
}
