package io.loomcluster.app.webhooks;

import java.time.Instant;

/** One attempt to deliver a message to a webhook: the answer's status (null without one), time taken, error. */
public record Delivery(long id, String webhookId, long messageId, int attempt, Integer status, int durationMillis,
                       String error, boolean succeeded, Instant at) {
}
