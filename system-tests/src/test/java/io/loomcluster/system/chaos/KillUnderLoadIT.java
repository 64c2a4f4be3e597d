package io.loomcluster.system.chaos;

import io.loomcluster.chaos.*;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGKILL of one of three instances while clients post and read through the balancer. */
class KillUnderLoadIT {

    @Test
    void killingAnInstanceUnderLoadLosesNoAcknowledgedWriteAndFailsNoIdempotentRequest() {
        Scenarios scenarios = new Scenarios(ChaosCluster.Spec.fromSystemProperties(Path.of("target", "it-logs", "kill"), 3),
                Workload.Shape.standard(), new Scenarios.Pacing(60, 250, Duration.ZERO));

        Outcome outcome = scenarios.killOneInstance();

        assertThat(outcome.tally().requests()).isGreaterThan(250);
        assertThat(outcome.tally().failures()).as("requests that failed for good").isEmpty();
        assertThat(outcome.tally().sessionsLost()).as("sessions lost with the instance").isZero();
        assertThat(outcome.audit().acknowledged()).isPositive();
        assertThat(outcome.audit().lost()).as("acknowledged messages missing in PostgreSQL").isZero();
        assertThat(outcome.audit().duplicated()).as("messages stored twice").isZero();
        assertThat(outcome.audit().stored()).isEqualTo(outcome.audit().acknowledged());
    }
}
