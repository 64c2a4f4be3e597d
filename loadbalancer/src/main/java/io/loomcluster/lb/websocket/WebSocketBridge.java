package io.loomcluster.lb.websocket;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.http.Problems;
import io.loomcluster.lb.http.RequestIds;
import io.loomcluster.lb.proxy.ForwardedHeaders;
import io.loomcluster.lb.selection.SelectionStrategy;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketCreator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Accepts a WebSocket upgrade on any path only after the chosen backend accepted the same upgrade
 * (path, query, cookies and headers passed on), so the client sees the backend's refusal (401,
 * 403, 404) as it is. Then {@link Relay}s carry frames both ways.
 */
public final class WebSocketBridge implements WebSocketCreator {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketBridge.class);

    private final BackendPool pool;
    private final SelectionStrategy strategy;
    private final WebSocketClient client;
    private final Duration connectTimeout;

    public WebSocketBridge(BackendPool pool, SelectionStrategy strategy, WebSocketClient client,
                           Duration connectTimeout) {
        this.pool = pool;
        this.strategy = strategy;
        this.client = client;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public Object createWebSocket(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String requestId = RequestIds.acceptOrCreate(request.getHeaders().get(RequestIds.HEADER));
        Backend excluded = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            Backend backend = strategy.select(pool.snapshot().available(), excluded);
            if (backend == null) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                Problems.write(response, callback, 503, "no backend is available", requestId);
                return null;
            }
            Relay backendRelay = Relay.forBackend();
            try {
                Session backendSession = connect(backend, backendRelay, request, requestId);
                String subProtocol = backendSession.getUpgradeResponse().getAcceptedSubProtocol();
                if (subProtocol != null) {
                    response.setAcceptedSubProtocol(subProtocol);
                }
                return Relay.forClient(backendRelay, backendSession);
            } catch (UpgradeException e) {
                if (e.getResponseStatusCode() > 0) {
                    // The backend answered and refused: pass its status on, do not try elsewhere.
                    int status = e.getResponseStatusCode();
                    Problems.write(response, callback, status >= 400 ? status : 502,
                            "the backend refused the WebSocket upgrade", requestId);
                    return null;
                }
                LOG.warn("WebSocket connect to backend {} failed: {}", backend, e.toString());
            } catch (Exception e) {
                LOG.warn("WebSocket connect to backend {} failed: {}", backend, e.toString());
            }
            excluded = backend;
        }
        Problems.write(response, callback, 502, "no backend accepted the WebSocket connection", requestId);
        return null;
    }

    // Blocks this server thread for at most the connect timeout; upgrades are rare next to requests.
    private Session connect(Backend backend, Relay relay, ServerUpgradeRequest request, String requestId)
            throws Exception {
        String query = request.getHttpURI().getQuery();
        URI uri = URI.create("ws://" + backend.address() + request.getHttpURI().getPath()
                + (query == null ? "" : "?" + query));
        ClientUpgradeRequest upgrade = new ClientUpgradeRequest(uri);
        HttpFields.Mutable headers = HttpFields.build();
        ForwardedHeaders.copy(request, headers, requestId);
        for (HttpField field : headers) {
            String name = field.getLowerCaseName();
            if (!name.startsWith("sec-websocket-") && !name.equals("host") && !name.equals("content-length")) {
                upgrade.setHeader(field.getName(), headers.getValuesList(field.getName()));
            }
        }
        if (!request.getSubProtocols().isEmpty()) {
            upgrade.setSubProtocols(request.getSubProtocols());
        }
        upgrade.setTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return client.connect(relay, uri, upgrade).get(connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("WebSocket upgrade to " + backend + " timed out");
        }
    }
}
