package io.loomcluster.system.chaos;

import io.loomcluster.chaos.ChaosCluster;
import io.loomcluster.chaos.Outcome;
import io.loomcluster.chaos.Scenarios;
import io.loomcluster.chaos.Workload;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos tool's jobs scenario, short: kill -9 of a worker and then of an API instance while
 * clients post mentions through the balancer; every committed message then has exactly one
 * notification per mention and exactly one verified webhook delivery.
 */
class JobsUnderFaultsIT {

    @Test
    void killingAWorkerAndAnInstanceLosesNoNotificationAndNoWebhookDelivery() {
        Scenarios scenarios = new Scenarios(ChaosCluster.Spec.fromSystemProperties(Path.of("target", "it-logs", "jobs"), 3),
                Workload.Shape.standard(), new Scenarios.Pacing(60, 250, Duration.ZERO));

        Outcome outcome = scenarios.jobs();

        assertThat(outcome.violations()).as("the jobs audit").isEmpty();
        assertThat(outcome.tally().failures()).as("requests that failed for good").isEmpty();
        assertThat(outcome.audit().acknowledged()).isPositive();
        assertThat(outcome.audit().lost()).as("acknowledged messages missing in PostgreSQL").isZero();
        assertThat(outcome.notes()).anyMatch(n -> n.contains("0 missing") && n.contains("0 bad signatures"));
    }
}
