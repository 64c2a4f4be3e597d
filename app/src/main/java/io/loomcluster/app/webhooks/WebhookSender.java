package io.loomcluster.app.webhooks;

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

    private final HttpClient client;
    private final WebhookSettings settings;

    WebhookSender(SsrfGuard guard, WebhookSettings settings) {
        this.settings = settings;
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

    Attempt post(URI url, Map<String, String> headers, String body) throws InterruptedException {
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
            String text = cause instanceof RefusedAddress ? cause.getMessage() : cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
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
