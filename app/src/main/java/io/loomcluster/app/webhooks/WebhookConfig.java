package io.loomcluster.app.webhooks;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.contract.Env;

import java.time.Duration;
import java.util.Set;

/** Reads {@link WebhookSettings} from the environment, failing fast with the variable's name. */
public final class WebhookConfig {
    private WebhookConfig() {
    }

    public static WebhookSettings fromEnvironment(Env e, Duration visibilityTimeout) {
        int concurrency = e.integer("WEBHOOK_CONCURRENCY", 1000, 1, 100_000);
        String executor = e.string("WEBHOOK_EXECUTOR", "virtual");
        int platformThreads = 0;
        if (executor.startsWith("platform:")) {
            try {
                platformThreads = Integer.parseInt(executor.substring("platform:".length()));
            } catch (NumberFormatException ignored) {
                platformThreads = -1;
            }
        }
        if (!executor.equals("virtual") && (platformThreads < 1 || platformThreads > 10_000)) {
            throw Env.invalid("WEBHOOK_EXECUTOR", executor, "virtual or platform:N with N from 1 to 10000");
        }
        Duration total = e.duration("WEBHOOK_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100));
        if (total.compareTo(visibilityTimeout) >= 0) {
            throw new ConfigException("WEBHOOK_TIMEOUT (" + total + ") must be shorter than JOB_VISIBILITY_TIMEOUT ("
                    + visibilityTimeout + "): a delivery still running would be claimed by another worker");
        }
        return new WebhookSettings(
                Set.copyOf(e.list("WEBHOOK_ALLOWED_HOSTS", "")),
                concurrency,
                e.integer("WEBHOOK_PER_ENDPOINT", 100, 1, 100_000),
                platformThreads,
                e.duration("WEBHOOK_CONNECT_TIMEOUT", Duration.ofSeconds(5), Duration.ofMillis(10)),
                total,
                (int) e.bytes("WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024, 0),
                e.integer("WEBHOOK_DISABLE_AFTER", 50, 1, 1_000_000));
    }
}
