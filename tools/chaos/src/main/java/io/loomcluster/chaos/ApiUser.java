package io.loomcluster.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * One user of the API as a well-behaved client: holds its {@code SESSION} cookie, and retries
 * idempotent requests (reads, and posts carrying an {@code Idempotency-Key}) on 502, 503, 504 or
 * a failed connection, waiting {@code Retry-After} (at most 2 s) or a growing back-off, for up to
 * a retry budget. Every attempt and outcome is counted in a {@link Tally}.
 */
public final class ApiUser {
    static final ObjectMapper JSON = new ObjectMapper();
    public static final String PASSWORD = "chaos-monkey-password";

    private final HttpClient http;
    private final URI base;
    private final Tally tally;
    private final Duration attemptTimeout;
    private final Duration retryBudget;
    private volatile String session;
    private String username;
    private long id;

    public ApiUser(HttpClient http, URI base, Tally tally, Duration attemptTimeout, Duration retryBudget) {
        this.http = http;
        this.base = base;
        this.tally = tally;
        this.attemptTimeout = attemptTimeout;
        this.retryBudget = retryBudget;
    }

    /** The answer to one attempt; status -1 when there was none (refused, reset, timed out). */
    public record Reply(int status, String body, HttpResponse<String> response, long millis) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        boolean retryable() {
            return status == -1 || status == 502 || status == 503 || status == 504;
        }

        long retryAfterMillis() {
            if (response == null) {
                return -1;
            }
            return response.headers().firstValue("Retry-After").map(v -> {
                try {
                    return Long.parseLong(v.trim()) * 1000;
                } catch (NumberFormatException e) {
                    return -1L;
                }
            }).orElse(-1L);
        }
    }

    /** Registers and logs in (setup: retried like any idempotent request, but not counted as load). */
    public ApiUser signUp(String name) {
        this.username = name;
        String credentials = Json.object("username", name, "password", PASSWORD);
        Reply registered = retrying("register", () -> post("/api/users", credentials), false);
        if (registered.status() != 201 && registered.status() != 409) {
            throw new IllegalStateException("register " + name + " failed: " + registered.status() + " " + registered.body());
        }
        logIn();
        return this;
    }

    private void logIn() {
        String credentials = Json.object("username", username, "password", PASSWORD);
        Reply login = retrying("login", () -> post("/api/session", credentials), false);
        if (login.status() != 200) {
            throw new IllegalStateException("login " + username + " failed: " + login.status() + " " + login.body());
        }
        id = login.json().get("id").asLong();
    }

    public long createRoom(String name) {
        Reply created = retrying("create room", () -> post("/api/rooms", Json.object("name", name)), false);
        if (created.status() != 201) {
            throw new IllegalStateException("create room failed: " + created.status() + " " + created.body());
        }
        return created.json().get("id").asLong();
    }

    public void join(long roomId) {
        Reply joined = retrying("join", () -> post("/api/rooms/" + roomId + "/members", ""), false);
        if (joined.status() != 204) {
            throw new IllegalStateException("join failed: " + joined.status() + " " + joined.body());
        }
    }

    /** Posts a message with an idempotency key, retrying; true when acknowledged (201). */
    public boolean postMessage(long roomId, String key, String text) {
        Reply reply = retrying("post", () -> post("/api/rooms/" + roomId + "/messages", Json.object("text", text))
                .header("Idempotency-Key", key), true);
        if (reply.status() == 201) {
            tally.acknowledge(roomId, key, reply.json().get("id").asLong());
            return true;
        }
        fail("post", reply);
        return false;
    }

    /** A read that needs PostgreSQL, Redis (the session) and the balancer; true when it succeeded. */
    public boolean readMessages(long roomId, long after) {
        Reply reply = retrying("read", () -> get("/api/rooms/" + roomId + "/messages?after=" + after + "&limit=20"), true);
        if (reply.status() == 200) {
            return true;
        }
        fail("read", reply);
        return false;
    }

    public boolean whoAmI() {
        Reply reply = retrying("session", () -> get("/api/session"), true);
        if (reply.status() == 200) {
            return true;
        }
        fail("session", reply);
        return false;
    }

    private void fail(String what, Reply reply) {
        tally.failure(what + " " + (reply.status() == -1 ? "no answer" : Integer.toString(reply.status())));
    }

    public HttpRequest.Builder get(String path) {
        return builder(path).GET();
    }

    public HttpRequest.Builder post(String path, String json) {
        return builder(path).POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
    }

    private HttpRequest.Builder builder(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(attemptTimeout);
        String s = session;
        if (s != null) {
            b.header("Cookie", "SESSION=" + s);
        }
        return b;
    }

    /** Sends with the retry policy; {@code counted} requests are the load, the others are setup. */
    public Reply retrying(String what, Supplier<HttpRequest.Builder> request, boolean counted) {
        long start = System.nanoTime();
        long deadline = start + retryBudget.toNanos();
        if (counted) {
            tally.requests.increment();
        }
        long backoff = 100;
        boolean loggedInAgain = false;
        while (true) {
            Reply reply = once(request.get().build(), counted);
            if (reply.status() == 401 && counted && !loggedInAgain && username != null) {
                // The session is gone (expired, or its store was lost): log in again, as a client would.
                tally.unauthorized.increment();
                loggedInAgain = true;
                logIn();
                continue;
            }
            if (!reply.retryable() || System.nanoTime() > deadline) {
                if (counted) {
                    tally.slowestRequestMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                }
                return reply;
            }
            if (counted) {
                tally.retriedAnswers.increment();
            }
            long wait = reply.retryAfterMillis() >= 0 ? Math.min(reply.retryAfterMillis(), 2000) : backoff;
            backoff = Math.min(backoff * 2, 2000);
            sleep(wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1));
        }
    }

    private Reply once(HttpRequest request, boolean counted) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long millis = (System.nanoTime() - start) / 1_000_000;
            response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst()
                    .ifPresent(c -> {
                        int end = c.indexOf(';');
                        String value = c.substring("SESSION=".length(), end < 0 ? c.length() : end);
                        session = value.isEmpty() ? null : value;
                    });
            if (counted) {
                record(millis, response.statusCode() >= 500);
                if (response.statusCode() == 503 && response.headers().firstValue("Retry-After").isPresent()) {
                    tally.unavailableWithRetryAfter.increment();
                }
            }
            return new Reply(response.statusCode(), response.body(), response, millis);
        } catch (IOException e) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (counted) {
                record(millis, true);
                tally.connectionFailures.increment();
            }
            return new Reply(-1, e.toString(), null, millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, "interrupted", null, 0);
        }
    }

    private void record(long millis, boolean failed) {
        tally.attempts.increment();
        if (millis > 2000) {
            tally.slowAttempts.increment();
        }
        tally.slowestAttemptMillis.accumulateAndGet(millis, Math::max);
        if (failed) {
            tally.slowestFailedAttemptMillis.accumulateAndGet(millis, Math::max);
        }
    }

    /** Acts as the same user, with the same session. */
    public void adopt(ApiUser other) {
        this.username = other.username;
        this.id = other.id;
        this.session = other.session;
    }

    public String session() {
        return session;
    }

    public String username() {
        return username;
    }

    public long id() {
        return id;
    }

    static void sleep(long millis) {
        try {
            // Client-side back-off between retries: waiting is the point.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
