package io.loomcluster.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test user talking HTTP to real instances: keeps the {@code SESSION} cookie like a browser and
 * can switch instance while keeping it. Each client claims its own client address through
 * {@code X-Forwarded-For} (the instances trust loopback as a proxy), so that login rate limits
 * per address only meet in the tests that want them to.
 */
public final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private static final AtomicInteger USERS = new AtomicInteger();

    private final URI base;
    private final String address;
    private String session;
    private String username;
    private long userId;

    public ApiClient(URI base) {
        this(base, randomAddress());
    }

    public ApiClient(URI base, String address) {
        this.base = base;
        this.address = address;
    }

    /** The same user (same cookie) talking to another instance. */
    public ApiClient on(URI other) {
        ApiClient copy = new ApiClient(other, address);
        copy.session = session;
        copy.username = username;
        copy.userId = userId;
        return copy;
    }

    public static String uniqueUsername(String prefix) {
        return (prefix + "_" + RUN + "_" + USERS.incrementAndGet()).toLowerCase();
    }

    public static final String PASSWORD = "correct horse battery";

    /** Registers a fresh user and logs in; returns this client, now holding a session. */
    public ApiClient signUp(String prefix) {
        String name = uniqueUsername(prefix);
        Response registered = post("/api/users", json("username", name, "password", PASSWORD));
        if (registered.status() != 201) {
            throw new AssertionError("register failed: " + registered);
        }
        Response login = login(name, PASSWORD);
        if (login.status() != 200) {
            throw new AssertionError("login failed: " + login);
        }
        return this;
    }

    public Response login(String name, String password) {
        Response response = post("/api/session", json("username", name, "password", password));
        if (response.status() == 200) {
            username = name;
            userId = response.json().get("id").asLong();
        }
        return response;
    }

    public String username() {
        return username;
    }

    public long userId() {
        return userId;
    }

    public Optional<String> session() {
        return Optional.ofNullable(session);
    }

    public void forgetSession() {
        session = null;
    }

    public void useSession(String id) {
        session = id;
    }

    public long createRoom(String name) {
        Response created = post("/api/rooms", json("name", name));
        if (created.status() != 201) {
            throw new AssertionError("create room failed: " + created);
        }
        return created.json().get("id").asLong();
    }

    public Response get(String path) {
        return send(builder(path).GET());
    }

    public Response delete(String path) {
        return send(builder(path).DELETE());
    }

    public Response post(String path, String body, String... headers) {
        HttpRequest.Builder b = builder(path).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    public Response postEmpty(String path) {
        return send(builder(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            response.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("SESSION="))
                    .findFirst()
                    .ifPresent(c -> {
                        String value = c.substring("SESSION=".length(), c.indexOf(';') < 0 ? c.length() : c.indexOf(';'));
                        session = value.isEmpty() ? null : value;
                    });
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(40))
                .header("X-Forwarded-For", address);
        if (session != null) {
            b.header("Cookie", "SESSION=" + session);
        }
        return b;
    }

    public static String json(Object... keyValues) {
        var node = JSON.createObjectNode();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            node.putPOJO((String) keyValues[i], keyValues[i + 1]);
        }
        return node.toString();
    }

    /** The sum of a Prometheus series (all its labels) on an instance's {@code /metrics}; 0 when absent. */
    public static double metric(URI instance, String name) {
        return new ApiClient(instance).get("/metrics").body().lines()
                .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static String randomAddress() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "198.18." + r.nextInt(256) + "." + r.nextInt(1, 255);
    }

    public record Response(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public List<String> headers(String name) {
            return headers.allValues(name);
        }

        public String contentType() {
            return header("Content-Type");
        }
    }
}
