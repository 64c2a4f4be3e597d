package io.loomcluster.app.webhooks;

import io.loomcluster.app.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one signed POST with Jetty's HTTP client, whose address resolver is the SSRF guard: the
 * addresses checked are the addresses connected to. No redirects; connect and total timeouts; at
 * most {@code maxResponseBytes} of the answer are read, the rest is dropped with the connection.
 */
final class WebhookSender implements AutoCloseable {
    /** What came of one attempt: a status (0 when there was no answer), the time taken, an error text. */
    record Attempt(int status, Duration took, String error, Duration retryAfter) {
    }

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final String CONNECTION_FAILED = "connection failed";
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> WEBHOOK_ID = AttributeKey.stringKey("loom.webhook.id");

    private final HttpClient client;
    private final WebhookSettings settings;
    private final Tracing tracing;

    WebhookSender(SsrfGuard guard, WebhookSettings settings, Tracing tracing) {
        this.settings = settings;
        this.tracing = tracing;
        client = new HttpClient();
        client.setFollowRedirects(false);
        client.setConnectTimeout(settings.connectTimeout().toMillis());
        client.setIdleTimeout(settings.totalTimeout().toMillis());
        client.setMaxConnectionsPerDestination(settings.perEndpoint());
        client.setMaxRequestsQueuedPerDestination(Math.max(1024, settings.concurrency()));
        QueuedThreadPool selectorThreads = new QueuedThreadPool(16, 2);
        selectorThreads.setName("webhook-client");
        client.setExecutor(selectorThreads);
        client.setUserAgentField(new org.eclipse.jetty.http.HttpField("User-Agent", "loom-webhooks"));
        client.setSocketAddressResolver(new GuardedResolver(guard));
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the webhook HTTP client", e);
        }
    }

    /**
     * One POST, in a CLIENT span of the job's run when it is traced. The span names the receiver's
     * host and port, never the URL: webhook URLs often carry the receiver's secret in the path or
     * query. No {@code traceparent} is sent: the receiver is a third party outside our trust
     * boundary (as the balancer does not accept one from an untrusted client, it does not hand ours
     * to one); the delivery is correlated by {@code webhook-id}, which the span carries.
     */
    Attempt post(URI url, Map<String, String> headers, String body) throws InterruptedException {
        if (!tracing.recording()) {
            return send(url, headers, body);
        }
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        Span span = tracing.tracer().spanBuilder("POST").setSpanKind(SpanKind.CLIENT)
                .setAttribute(METHOD, "POST")
                .setAttribute(SERVER_ADDRESS, url.getHost())
                .setAttribute(SERVER_PORT, (long) port)
                .setAttribute(SCHEME, url.getScheme())
                .setAttribute(WEBHOOK_ID, headers.get("webhook-id"))
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            Attempt attempt = send(url, headers, body);
            if (attempt.status() > 0) {
                span.setAttribute(STATUS, (long) attempt.status());
            }
            if (attempt.status() == 0 || attempt.status() >= 400) {
                span.setAttribute(ERROR_TYPE, attempt.status() == 0 ? "no_answer" : Integer.toString(attempt.status()));
                span.setStatus(StatusCode.ERROR, attempt.error() != null ? attempt.error() : "HTTP " + attempt.status());
            }
            return attempt;
        } finally {
            span.end();
        }
    }

    private Attempt send(URI url, Map<String, String> headers, String body) throws InterruptedException {
        long start = System.nanoTime();
        var request = client.newRequest(url).method(HttpMethod.POST)
                .timeout(settings.totalTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .body(new StringRequestContent("application/json", body));
        request.headers(h -> headers.forEach(h::put));
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        try {
            Response response = listener.get(settings.totalTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try (InputStream in = listener.getInputStream()) {
                in.readNBytes(settings.maxResponseBytes());
            } catch (java.io.IOException ignored) {
                // The status is what counts; a broken body after it changes nothing.
            }
            return new Attempt(response.getStatus(), since(start), null, retryAfter(response));
        } catch (TimeoutException e) {
            request.abort(e);
            return new Attempt(0, since(start), "timed out after " + settings.totalTimeout().toMillis() + " ms", null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // The delivery log is the user's: it names no address and no kind of failure that would
            // map ports. The operator's trace keeps the cause.
            Span.current().recordException(cause);
            String text = cause instanceof RefusedAddress ? cause.getMessage() : CONNECTION_FAILED;
            return new Attempt(0, since(start), text, null);
        }
    }

    private static Duration retryAfter(Response response) {
        String value = response.getHeaders().get("Retry-After");
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.min(3600, Math.max(0, Long.parseLong(value.trim()))));
        } catch (NumberFormatException e) {
            return null; // an HTTP date: fall back to the back-off
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception ignored) {
            // stopping anyway
        }
    }

    /** The SSRF refusal, as the connection failure Jetty reports. */
    static final class RefusedAddress extends java.io.IOException {
        RefusedAddress(String message) {
            super(message);
        }
    }

    private record GuardedResolver(SsrfGuard guard) implements SocketAddressResolver {
        @Override
        public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
            try {
                List<InetAddress> addresses = guard.resolve(host);
                promise.succeeded(addresses.stream().map(a -> new InetSocketAddress(a, port)).toList());
            } catch (SsrfGuard.Refused e) {
                promise.failed(new RefusedAddress(e.getMessage()));
            }
        }
    }

}
