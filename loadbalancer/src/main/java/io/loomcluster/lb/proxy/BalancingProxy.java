package io.loomcluster.lb.proxy;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.http.Problems;
import io.loomcluster.lb.http.RequestIds;
import io.loomcluster.lb.selection.SelectionStrategy;
import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP path: picks a backend, forwards with the balancer's headers, streams the response back
 * unbuffered (Jetty's {@link ProxyHandler} listener, with back-pressure), and retries once on
 * another backend when that is safe. Never blocks a thread.
 */
public final class BalancingProxy extends ProxyHandler {
    private final BackendPool pool;
    private final SelectionStrategy strategy;
    private final HealthChecker health;
    private final LbConfig config;
    private final String retryAfterSeconds;

    public BalancingProxy(BackendPool pool, SelectionStrategy strategy, HealthChecker health, LbConfig config) {
        this.pool = pool;
        this.strategy = strategy;
        this.health = health;
        this.config = config;
        long seconds = (config.health().interval().toMillis() * config.health().rise() + 999) / 1000;
        this.retryAfterSeconds = Long.toString(Math.max(1, seconds));
        setUseServerThreadPool(true);
    }

    // HTTP/1.1 only: the dynamic transport's per-request protocol negotiation costs on every request.
    @Override
    protected HttpClient newHttpClient() {
        return new HttpClient(new HttpClientTransportOverHTTP(1));
    }

    @Override
    protected void configureHttpClient(HttpClient client) {
        super.configureHttpClient(client);
        LbConfig.Timeouts timeouts = config.timeouts();
        client.setConnectTimeout(timeouts.connect().toMillis());
        // Shorter than the backends' own idle timeout, so the balancer closes idle connections first
        // and never sends a request on a connection the backend is closing.
        client.setIdleTimeout(timeouts.poolIdle().toMillis());
        client.setMaxConnectionsPerDestination(config.limits().maxConnectionsPerBackend());
        client.setMaxRequestsQueuedPerDestination(config.limits().maxQueuedPerBackend());
        client.setUserAgentField(null);
        client.setRequestBufferSize(8192);
        client.setResponseBufferSize(16384);
    }

    @Override
    protected HttpURI rewriteHttpURI(Request clientToProxyRequest) {
        throw new UnsupportedOperationException("the target is chosen per attempt by dispatch()");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange exchange = new Exchange(request, response, callback,
                RequestIds.acceptOrCreate(request.getHeaders().get(RequestIds.HEADER)));
        long length = request.getLength();
        boolean hasBody = length > 0 || (length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
        if (hasBody && length <= config.limits().retryBufferBytes()) {
            // Small bodies (API JSON) are read whole first: they can be sent again, and bad
            // chunking is rejected before any backend sees the request.
            BodyPrefetch.read(request, config.limits().retryBufferBytes(), read -> {
                if (read.complete()) {
                    exchange.body = read.bytes();
                } else {
                    exchange.prefix = read.bytes();
                    exchange.streamedBody = true;
                }
                dispatch(exchange, null);
            }, failure -> bodyFailed(exchange, failure));
        } else {
            exchange.streamedBody = hasBody;
            dispatch(exchange, null);
        }
        return true;
    }

    // The client's body did not arrive whole: nothing was forwarded, and the fault is the client's.
    private static void bodyFailed(Exchange exchange, Throwable failure) {
        int status = Failures.isTimeout(failure) ? 408 : Failures.clientFault(failure);
        if (status == 0) {
            exchange.callback.failed(failure);
            return;
        }
        exchange.response.getHeaders().put(HttpHeader.CONNECTION, "close");
        Problems.write(exchange.response, exchange.callback, status,
                status == 408 ? "the request body did not arrive in time" : "the request body is malformed", exchange.requestId);
    }

    private void dispatch(Exchange exchange, Backend excluded) {
        Backend backend = strategy.select(pool.snapshot().available(), excluded);
        if (backend == null) {
            exchange.response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
            Problems.write(exchange.response, exchange.callback, 503, excluded == null
                    ? "no backend is available" : "the backend failed and no other backend is available",
                    exchange.requestId);
            return;
        }
        Request request = exchange.request;
        org.eclipse.jetty.client.Request outgoing;
        try {
            outgoing = getHttpClient().newRequest(URI.create(backend.uri() + request.getHttpURI().getPathQuery()));
        } catch (IllegalArgumentException e) {
            Problems.write(exchange.response, exchange.callback, 400, "the request target cannot be forwarded",
                    exchange.requestId);
            return;
        }
        outgoing.method(request.getMethod())
                .idleTimeout(config.timeouts().idle().toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> ForwardedHeaders.copy(request, headers, exchange.requestId));
        if (!isEventStream(request)) {
            // An event stream lives as long as the client wants it; the idle timeout bounds it instead.
            outgoing.timeout(config.timeouts().request().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (exchange.body != null) {
            outgoing.body(new ByteBufferRequestContent(request.getHeaders().get(HttpHeader.CONTENT_TYPE),
                    exchange.body.slice()));
        } else if (exchange.prefix != null) {
            outgoing.body(new PrefixedContent(exchange.prefix, request,
                    request.getHeaders().get(HttpHeader.CONTENT_TYPE)));
        } else if (exchange.streamedBody) {
            outgoing.body(new ProxyRequestContent(request));
        }
        exchange.attempts++;
        backend.begin();
        outgoing.send(new Attempt(exchange, outgoing, backend));
    }

    private static boolean isEventStream(Request request) {
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        return accept != null && accept.contains("text/event-stream");
    }

    private boolean retryable(Exchange exchange, Throwable failure) {
        if (exchange.attempts > 1 || exchange.streamedBody || Failures.isTimeout(failure)
                || Failures.clientFault(failure) != 0
                || Failures.isQueueFull(failure) || exchange.response.isCommitted()) {
            return false;
        }
        return Failures.isConnectFailure(failure) || exchange.isIdempotent();
    }

    @Override
    protected void onServerToProxyResponseFailure(Request clientToProxyRequest,
                                                  org.eclipse.jetty.client.Request proxyToServerRequest,
                                                  org.eclipse.jetty.client.Response serverToProxyResponse,
                                                  Response proxyToClientResponse, Callback proxyToClientCallback,
                                                  Throwable failure) {
        if (proxyToClientResponse.isCommitted()) {
            // Part of the response is out; all that is left is to cut the connection.
            proxyToClientCallback.failed(failure);
            return;
        }
        proxyToClientResponse.reset();
        String requestId = proxyToServerRequest.getHeaders().get(RequestIds.HEADER);
        int clientFault = Failures.clientFault(failure);
        if (clientFault != 0) {
            proxyToClientResponse.getHeaders().put(HttpHeader.CONNECTION, "close");
            Problems.write(proxyToClientResponse, proxyToClientCallback, clientFault, clientFault == 413
                    ? "request body exceeds the balancer's limit" : "malformed request body", requestId);
        } else if (Failures.isTimeout(failure)) {
            Problems.write(proxyToClientResponse, proxyToClientCallback, 504,
                    "the backend did not answer in time", requestId);
        } else if (Failures.isQueueFull(failure)) {
            proxyToClientResponse.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            Problems.write(proxyToClientResponse, proxyToClientCallback, 503,
                    "too many requests are waiting for this backend", requestId);
        } else {
            Problems.write(proxyToClientResponse, proxyToClientCallback, 502,
                    "the backend failed before answering and the request is not safe to repeat", requestId);
        }
    }

    /** One attempt at one backend: accounting, passive health, and the retry decision. */
    private final class Attempt extends ProxyResponseListener {
        private final Exchange exchange;
        private final Backend backend;
        private final long started = System.nanoTime();
        private volatile boolean answered;

        Attempt(Exchange exchange, org.eclipse.jetty.client.Request outgoing, Backend backend) {
            super(exchange.request, outgoing, exchange.response, exchange.callback);
            this.exchange = exchange;
            this.backend = backend;
        }

        @Override
        public void onBegin(org.eclipse.jetty.client.Response response) {
            answered = true;
            super.onBegin(response);
        }

        @Override
        public void onComplete(Result result) {
            Throwable failure = result.getFailure();
            backend.end(System.nanoTime() - started, failure != null);
            if (failure == null || answered) {
                health.onAnswered(backend);
            } else if (!Failures.isTimeout(failure) && !Failures.isQueueFull(failure)
                    && Failures.clientFault(failure) == 0) {
                health.onConnectionFailure(backend, failure);
            }
            if (failure != null && !answered && retryable(exchange, failure)) {
                dispatch(exchange, backend);
                return;
            }
            super.onComplete(result);
        }
    }
}
