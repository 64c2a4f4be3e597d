package io.loomcluster.app.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.jobs.Job;
import io.loomcluster.app.jobs.JobHandler;
import io.loomcluster.app.jobs.Outcome;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The webhook job: POSTs one message to one webhook, signed, and logs the attempt. A 2xx is final
 * success (logged once per job: a second run finds it and stops); 5xx, 408, timeouts and connection
 * errors fail the attempt (the worker retries with back-off); 429 retries after its Retry-After;
 * any other answer is final failure. A run of {@code disableAfter} failed attempts disables the
 * webhook with a reason. A webhook already at its concurrency bound defers the job instead of waiting.
 */
public final class WebhookDeliveries implements JobHandler, AutoCloseable {
    private static final String TARGET = """
            select w.url, w.secret, w.disabled_at is not null, m.room_id, m.user_id, u.username, m.text, m.created_at,
                   m.edited_at, m.deleted_at is not null
            from webhooks w join messages m on m.id = ? join users u on u.id = m.user_id
            where w.id = ?
            """;
    private static final String DELIVERED = "select 1 from webhook_deliveries where job_id = ? and succeeded";
    private static final String LOG = """
            insert into webhook_deliveries (webhook_id, job_id, message_id, attempt, status, duration_ms, error, succeeded)
            values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing
            """;
    private static final String SUCCEEDED = "update webhooks set consecutive_failures = 0 where id = ?";
    private static final String FAILED = """
            update webhooks set consecutive_failures = consecutive_failures + 1,
              disabled_at = case when consecutive_failures + 1 >= ? and disabled_at is null then now() else disabled_at end,
              disabled_reason = case when consecutive_failures + 1 >= ? and disabled_at is null
                then ? else disabled_reason end
            where id = ?
            """;

    private record Target(URI url, byte[] secret, boolean disabled, String body) {
    }

    private final Sql sql;
    private final ObjectMapper json;
    private final WebhookSender sender;
    private final WebhookSettings settings;
    private final Clock clock;
    private final PerKeyLimit perEndpoint;

    public WebhookDeliveries(Sql sql, ObjectMapper json, SsrfGuard guard, WebhookSettings settings, Clock clock) {
        this.sql = sql;
        this.json = json;
        this.settings = settings;
        this.perEndpoint = new PerKeyLimit(settings.perEndpoint());
        this.clock = clock;
        this.sender = new WebhookSender(guard, settings, sql.tracing());
    }

    @Override
    public Outcome handle(Job job) throws Exception {
        JsonNode payload = json.readTree(job.payload());
        long webhookId = payload.get("webhookId").asLong();
        long messageId = payload.get("messageId").asLong();
        String event = payload.hasNonNull("event") ? payload.get("event").asText() : "message.created";
        Optional<Target> target = target(webhookId, messageId, event);
        if (target.isEmpty() || target.get().disabled() || sql.exists(DELIVERED, job.id())) {
            return Outcome.DONE; // deleted, disabled, or delivered by an earlier run
        }
        if (!perEndpoint.tryAcquire(webhookId)) {
            return new Outcome.Later(Duration.ofMillis(500 + ThreadLocalRandom.current().nextLong(500)), false,
                    "webhook " + webhookId + " is at its concurrency bound");
        }
        try {
            return deliver(job, webhookId, messageId, target.get());
        } finally {
            perEndpoint.release(webhookId);
        }
    }

    private Outcome deliver(Job job, long webhookId, long messageId, Target target) throws Exception {
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = Map.of(
                "webhook-id", job.id(),
                "webhook-timestamp", Long.toString(timestamp),
                "webhook-signature", Signatures.sign(target.secret(), job.id(), timestamp, target.body()));
        WebhookSender.Attempt attempt = sender.post(target.url(), headers, target.body());
        int status = attempt.status();
        boolean ok = status >= 200 && status < 300;
        String error = ok ? null : attempt.error() != null ? attempt.error() : "HTTP " + status;
        sql.update(LOG, webhookId, job.id(), messageId, job.attempt(), status == 0 ? null : status,
                (int) Math.min(Integer.MAX_VALUE, attempt.took().toMillis()), error, ok);
        if (ok) {
            sql.update(SUCCEEDED, webhookId);
            return Outcome.DONE;
        }
        sql.update(FAILED, settings.disableAfter(), settings.disableAfter(),
                settings.disableAfter() + " consecutive failed deliveries; last: " + error, webhookId);
        if (status == 429) {
            Duration wait = attempt.retryAfter() != null ? attempt.retryAfter() : Duration.ofSeconds(1);
            return new Outcome.Later(wait, true, "HTTP 429");
        }
        if (status == 0 || status == 408 || status >= 500) {
            throw new DeliveryFailed(error);
        }
        return Outcome.DONE; // any other answer is the receiver's final word
    }

    /**
     * The request body: the event ({@code message.created}, {@code message.updated} or
     * {@code message.deleted}) with the message as it is when delivered (an edit delivered late
     * carries the latest text; a deleted message is a tombstone with empty text).
     */
    private Optional<Target> target(long webhookId, long messageId, String type) {
        return sql.one(TARGET, rs -> {
            java.sql.Timestamp edited = rs.getTimestamp(9);
            var message = json.createObjectNode()
                    .put("id", messageId).put("roomId", rs.getLong(4)).put("userId", rs.getLong(5))
                    .put("username", rs.getString(6)).put("text", rs.getString(7))
                    .put("createdAt", rs.getTimestamp(8).toInstant().toString())
                    .put("editedAt", edited == null ? null : edited.toInstant().toString())
                    .put("deleted", rs.getBoolean(10));
            var event = json.createObjectNode().put("type", type)
                    .put("timestamp", Instant.now(clock).toString());
            event.set("data", message);
            return new Target(URI.create(rs.getString(1)), rs.getBytes(2), rs.getBoolean(3), event.toString());
        }, messageId, webhookId);
    }

    /** A delivery attempt that may succeed later (5xx, 408, timeout, connection error). */
    static final class DeliveryFailed extends Exception {
        DeliveryFailed(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void close() {
        sender.close();
    }
}
