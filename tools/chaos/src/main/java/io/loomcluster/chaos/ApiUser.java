package io.loomcluster.chaos;

import io.loomcluster.client.Json;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.client.Session;

import java.time.Duration;

/**
 * One user of the API as a well-behaved client, through the client library: it holds its
 * {@code SESSION} cookie and retries idempotent requests (reads, and posts carrying an
 * {@code Idempotency-Key}) by its {@link RetryPolicy}. A 401 under load means the session was lost
 * (Redis restarted empty): it logs in again once, as a client would. Every attempt and outcome is
 * counted in a {@link Tally}.
 */
public final class ApiUser {
    public static final String PASSWORD = "chaos-monkey-password";

    private final Session session;
    private final Tally tally;
    private final RetryPolicy retry;
    private volatile String username;

    /** {@code retryBudget} zero: each request is sent once. */
    public ApiUser(LoomClient client, Tally tally, Duration retryBudget) {
        this.session = client.anonymous();
        this.tally = tally;
        this.retry = retryBudget.isZero() ? RetryPolicy.NONE
                : new RetryPolicy(retryBudget, Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    /** Registers and logs in (setup: retried like any idempotent request, but not counted as load). */
    public ApiUser signUp(String name) {
        this.username = name;
        // Repeatable: a registration that went through before its answer was lost comes back 409.
        Reply registered = retrying(Request.post("/api/users").json(credentials()).repeatable(), false);
        if (registered.status() != 201 && registered.status() != 409) {
            throw new IllegalStateException("register " + name + " failed: " + registered.describe());
        }
        logIn();
        return this;
    }

    private String credentials() {
        return Json.object("username", username, "password", PASSWORD);
    }

    private void logIn() {
        Reply login = retrying(Request.post("/api/session").json(credentials()).repeatable(), false);
        if (login.status() != 200) {
            throw new IllegalStateException("login " + username + " failed: " + login.describe());
        }
    }

    public long createRoom(String name) {
        Reply created = retrying(Request.post("/api/rooms").json(Json.object("name", name)).repeatable(), false);
        if (created.status() != 201) {
            throw new IllegalStateException("create room failed: " + created.describe());
        }
        return created.json().get("id").asLong();
    }

    public void join(long roomId) {
        Reply joined = retrying(Request.post("/api/rooms/" + roomId + "/members").repeatable(), false);
        if (joined.status() != 204) {
            throw new IllegalStateException("join failed: " + joined.describe());
        }
    }

    /** Posts a message with an idempotency key, retrying; true when acknowledged (201). */
    public boolean postMessage(long roomId, String key, String text) {
        Reply reply = retrying(Request.post("/api/rooms/" + roomId + "/messages").json(Json.object("text", text))
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
        Reply reply = retrying(Request.get("/api/rooms/" + roomId + "/messages?after=" + after + "&limit=20"), true);
        if (reply.status() == 200) {
            return true;
        }
        fail("read", reply);
        return false;
    }

    public boolean whoAmI() {
        Reply reply = retrying(Request.get("/api/session"), true);
        if (reply.status() == 200) {
            return true;
        }
        fail("session", reply);
        return false;
    }

    private void fail(String what, Reply reply) {
        tally.failure(what + " " + (reply.answered() ? Integer.toString(reply.status()) : "no answer"));
    }

    /** Sends with the retry policy; {@code counted} requests are the load, the others are setup. */
    Reply retrying(Request request, boolean counted) {
        long start = System.nanoTime();
        if (counted) {
            tally.requests.increment();
        }
        Reply reply = send(request, counted);
        if (reply.status() == 401 && counted && username != null) {
            // The session is gone (expired, or its store was lost): log in again, as a client would.
            tally.unauthorized.increment();
            logIn();
            reply = send(request, counted);
        }
        if (counted) {
            tally.slowestRequestMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
        }
        return reply;
    }

    private Reply send(Request request, boolean counted) {
        Reply reply = session.sendRetrying(request, retry, attempt -> {
            if (counted) {
                record(attempt);
                // Counted as it happens (the fault scenarios wait for clients to meet the fault) ...
                if (RetryPolicy.retryable(attempt)) {
                    tally.retriedAnswers.increment();
                }
            }
        });
        if (counted && RetryPolicy.retryable(reply)) {
            // ... and the last answer, which was not retried after all, taken back.
            tally.retriedAnswers.decrement();
        }
        return reply;
    }

    private void record(Reply attempt) {
        long millis = attempt.elapsed().toMillis();
        tally.attempts.increment();
        if (millis > 2000) {
            tally.slowAttempts.increment();
        }
        tally.slowestAttemptMillis.accumulateAndGet(millis, Math::max);
        if (!attempt.answered() || attempt.status() >= 500) {
            tally.slowestFailedAttemptMillis.accumulateAndGet(millis, Math::max);
        }
        if (!attempt.answered()) {
            tally.connectionFailures.increment();
        }
        if (attempt.status() == 503 && attempt.header("Retry-After") != null) {
            tally.unavailableWithRetryAfter.increment();
        }
    }

    /** Acts as the same user, with the same session. */
    public void adopt(ApiUser other) {
        this.username = other.username;
        other.session.cookie().ifPresent(session::useCookie);
    }

    public Session session() {
        return session;
    }

    public String username() {
        return username;
    }

    static void sleep(long millis) {
        try {
            // Pacing of the simulated users: waiting is the point.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
