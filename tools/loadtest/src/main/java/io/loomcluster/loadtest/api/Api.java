package io.loomcluster.loadtest.api;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.client.Session;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run's clients of the cluster: one JDK client (its connections shared by every target and
 * simulated user), one {@link LoomClient} per target. Every call is sent once: a failure is a
 * measurement, not something to hide behind a retry.
 */
public final class Api implements AutoCloseable {
    private final HttpClient http;
    private final Duration timeout;
    private final Map<URI, LoomClient> clients = new ConcurrentHashMap<>();

    public Api(Duration connectTimeout, Duration timeout) {
        this.http = LoomClient.newHttpClient(connectTimeout);
        this.timeout = timeout;
    }

    public LoomClient client(URI base) {
        return clients.computeIfAbsent(base, b -> LoomClient.builder(b).http(http).timeout(timeout)
                .retry(RetryPolicy.NONE).header("User-Agent", "loom-loadtest").build());
    }

    /** The account acting on {@code base}; cheap: a session object around its cookie. */
    public Session as(Account account, URI base) {
        Session session = client(base).anonymous();
        session.useCookie(account.cookie());
        return session;
    }

    public Session anonymous(URI base) {
        return client(base).anonymous();
    }

    @Override
    public void close() {
        clients.values().forEach(LoomClient::close);
        http.close();
    }
}
