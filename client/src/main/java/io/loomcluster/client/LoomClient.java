package io.loomcluster.client;

import io.loomcluster.contract.Pause;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The client of one Loom Cluster base URL (the balancer, or one instance). Thread-safe; share one
 * per process. {@link #send} is the low-level call: any request, a {@link Reply} back, never an
 * exception. {@link #anonymous()} and {@link #logIn} give a {@link Session} with typed calls.
 *
 * <pre>
 * LoomClient client = LoomClient.builder(URI.create("http://127.0.0.1:8080")).build();
 * Session alice = client.logIn("alice", "correct horse");
 * Room room = alice.createRoom("general");
 * alice.post(room.id(), "hello");
 * </pre>
 */
public final class LoomClient implements AutoCloseable {
    private final URI base;
    private final HttpClient http;
    private final boolean ownsHttp;
    private final Duration timeout;
    private final List<String[]> defaultHeaders;
    private final RetryPolicy retry;
    private final List<ExchangeObserver> observers;

    private LoomClient(URI base, HttpClient http, boolean ownsHttp, Duration timeout, List<String[]> defaultHeaders,
                       RetryPolicy retry, List<ExchangeObserver> observers) {
        this.base = base;
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.timeout = timeout;
        this.defaultHeaders = List.copyOf(defaultHeaders);
        this.retry = retry;
        this.observers = List.copyOf(observers);
    }

    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** A client of {@code base} with the defaults: 5 s to connect, 30 s per call, the standard retries. */
    public static LoomClient of(URI base) {
        return builder(base).build();
    }

    /** HTTP/1.1 (what the cluster speaks), virtual threads for the client's own work, no redirects. */
    public static HttpClient newHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** The same settings, the same connections, another base URL (another instance). */
    public LoomClient at(URI otherBase) {
        return new LoomClient(otherBase, http, false, timeout, defaultHeaders, retry, observers);
    }

    public URI base() {
        return base;
    }

    public HttpClient http() {
        return http;
    }

    public RetryPolicy retryPolicy() {
        return retry;
    }

    public Duration timeout() {
        return timeout;
    }

    /** A session without a login (registration, login, or calls that should be refused). */
    public Session anonymous() {
        return new Session(this);
    }

    /** Logs in: a session holding the new {@code SESSION} cookie. Throws {@link ApiException} when refused. */
    public Session logIn(String username, String password) {
        Session session = anonymous();
        session.logIn(username, password);
        return session;
    }

    /** Sends once, without a session; never throws for a failed request. */
    public Reply send(Request request) {
        return send(request, null, cookie -> { });
    }

    Reply send(Request request, String cookie, Consumer<String> newCookie) {
        HttpRequest built = request.build(base, timeout, defaultHeaders, cookie);
        long start = System.nanoTime();
        try {
            HttpResponse<byte[]> response = http.send(built, HttpResponse.BodyHandlers.ofByteArray());
            Reply reply = new Reply(response.statusCode(), response.headers(), response.body(), start, System.nanoTime(), null);
            sessionCookie(reply).ifPresent(newCookie);
            observe(new Exchange(built, request.bodyBytes(), reply, false));
            return reply;
        } catch (IOException e) {
            return Reply.failed(start, Failures.cause(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.failed(start, Failures.INTERRUPTED);
        }
    }

    /**
     * Sends, and sends an idempotent request again as the policy says (same request: a post keeps its
     * {@code Idempotency-Key}). Each attempt's reply goes to {@code attempts} as it arrives.
     */
    Reply send(Request request, String cookie, Consumer<String> newCookie, RetryPolicy policy,
               Consumer<Reply> attempts) {
        long deadline = System.nanoTime() + policy.budget().toNanos();
        for (int attempt = 1; ; attempt++) {
            Reply reply = send(request, cookie, newCookie);
            attempts.accept(reply);
            if (!request.idempotent() || !RetryPolicy.retryable(reply) || System.nanoTime() > deadline
                    || Failures.INTERRUPTED.equals(reply.failure())) {
                return reply;
            }
            // The last pause may end past the budget: one more attempt then, as the server asked.
            // Waiting before a retry is the point: the server asked for it, or it is the back-off.
            if (!Pause.sleep(policy.pause(reply, attempt))) {
                return reply;
            }
        }
    }

    /** Opens a response whose body is read as it arrives (Server-Sent Events); the caller closes it. */
    HttpResponse<InputStream> stream(Request request, String cookie) throws IOException, InterruptedException {
        return http.send(request.build(base, timeout, defaultHeaders, cookie), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Tells every observer of this client; an observer's {@link AssertionError} goes to the caller. */
    void observe(Exchange exchange) {
        for (ExchangeObserver observer : observers) {
            observer.exchanged(exchange);
        }
    }

    void observeEvent(Exchange opened, SseEvent event) {
        for (ExchangeObserver observer : observers) {
            observer.event(opened, event);
        }
    }

    void observeFrame(URI uri, String text) {
        for (ExchangeObserver observer : observers) {
            observer.frame(uri, text);
        }
    }

    void observeClientFrame(URI uri, String text) {
        for (ExchangeObserver observer : observers) {
            observer.clientFrame(uri, text);
        }
    }

    List<String[]> defaultHeaders() {
        return defaultHeaders;
    }

    static java.util.Optional<String> sessionCookie(Reply reply) {
        for (String header : reply.headers("Set-Cookie")) {
            if (header.startsWith(Names.SESSION_COOKIE + "=")) {
                int end = header.indexOf(';');
                return java.util.Optional.of(header.substring(Names.SESSION_COOKIE.length() + 1,
                        end < 0 ? header.length() : end));
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public void close() {
        if (ownsHttp) {
            http.close();
        }
    }

    /** Settings of a {@link LoomClient}. */
    public static final class Builder {
        private final URI base;
        private HttpClient http;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration timeout = Duration.ofSeconds(30);
        private final List<String[]> headers = new ArrayList<>();
        private RetryPolicy retry = RetryPolicy.standard();
        private final List<ExchangeObserver> observers = new ArrayList<>(ExchangeObserver.discovered());

        private Builder(URI base) {
            this.base = base;
        }

        /** Shares an existing JDK client (and its connections) instead of making one. */
        public Builder http(HttpClient client) {
            this.http = client;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /** The longest wait for a response, per attempt, unless a request sets its own. */
        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** A header sent with every request that does not set it itself. */
        public Builder header(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        /** Retries of the typed calls; {@link RetryPolicy#NONE} to send each once. */
        public Builder retry(RetryPolicy policy) {
            this.retry = policy;
            return this;
        }

        /** One more observer of every exchange, besides those on the class path ({@link ExchangeObserver#discovered()}). */
        public Builder observer(ExchangeObserver observer) {
            observers.add(observer);
            return this;
        }

        /**
         * Drops the observers found on the class path: for a client of another service than the API
         * (the balancer's admin port), which the API's contract does not describe.
         */
        public Builder unobserved() {
            observers.clear();
            return this;
        }

        public LoomClient build() {
            boolean owns = http == null;
            return new LoomClient(base, owns ? newHttpClient(connectTimeout) : http, owns, timeout, headers, retry, observers);
        }
    }
}
