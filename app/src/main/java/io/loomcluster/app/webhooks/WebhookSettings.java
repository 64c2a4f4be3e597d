package io.loomcluster.app.webhooks;

import java.time.Duration;
import java.util.Set;

/**
 * How webhooks are delivered: hosts exempt from the SSRF guard, deliveries in flight in all and per
 * webhook, the executor ({@code virtual} or {@code platform:N}), timeouts, the response-body cap and
 * how many consecutive failures disable a webhook.
 */
public record WebhookSettings(Set<String> allowedHosts, int concurrency, int perEndpoint, int platformThreads,
                              Duration connectTimeout, Duration totalTimeout, int maxResponseBytes, int disableAfter) {
    /** True when deliveries run on virtual threads (platformThreads is 0). */
    public boolean virtualThreads() {
        return platformThreads == 0;
    }
}
