package io.loomcluster.app.webhooks;

import java.time.Instant;

/** A registered webhook as its room's creator sees it (never with its secret). */
public record Webhook(long id, long roomId, String url, Instant createdAt, int consecutiveFailures, Instant disabledAt,
                      String disabledReason) {
}
