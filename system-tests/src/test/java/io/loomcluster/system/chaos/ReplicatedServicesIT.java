package io.loomcluster.system.chaos;

import io.loomcluster.chaos.ChaosCluster;
import io.loomcluster.chaos.HaScenarios;
import io.loomcluster.chaos.Outcome;
import io.loomcluster.chaos.Scenarios;
import io.loomcluster.chaos.Workload;
import io.loomcluster.testing.ha.HaServices;
import io.loomcluster.testing.ha.NetworkCuts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The replicated-services scenarios of the chaos tool, short: kill -9 of the Redis master under jobs
 * (Sentinel), kill -9 of the PostgreSQL primary (synchronous standby promoted), and partitions cut
 * with iptables. Each asserts the audit: no acknowledged post lost or doubled, no request failed for
 * good, every job's effect once, every live follower gap-free and in order. The three share one
 * cluster, which each scenario leaves serving as it found it (and checks before it starts). The
 * figures go to the output ({@code scripts/chaos --ha} runs them at full length).
 */
class ReplicatedServicesIT {
    private static HaScenarios scenarios;

    @BeforeAll
    static void prepare() {
        String missing = HaServices.unavailableBecause();
        assumeTrue(missing == null, missing);
        scenarios = new HaScenarios(ChaosCluster.Spec.fromSystemProperties(Path.of("target", "it-logs",
                "replicated-services"), 3), Workload.Shape.standard(), new Scenarios.Pacing(60, 200, Duration.ZERO));
    }

    @AfterAll
    static void stop() {
        if (scenarios != null) {
            scenarios.close();
        }
    }

    @Test
    void killingTheRedisMasterLosesNoPostAndNoJobEffect() {
        assertClean(scenarios.redisFailover());
    }

    @Test
    void killingThePostgresPrimaryLosesNoAcknowledgedPost() {
        assertClean(scenarios.postgresFailover());
    }

    @Test
    void partitionsLoseNothingAndFullServiceReturnsAfterHealing() {
        String noCuts = NetworkCuts.unavailableBecause();
        assumeTrue(noCuts == null, noCuts);
        assertClean(scenarios.partitions());
    }

    private static void assertClean(Outcome outcome) {
        System.out.println(outcome.scenario() + ": " + String.join("; ", outcome.notes()));
        assertThat(outcome.violations()).isEmpty();
        assertThat(outcome.tally().failures()).as("requests that failed for good").isEmpty();
        assertThat(outcome.audit().lost()).isZero();
        assertThat(outcome.audit().duplicated()).isZero();
        assertThat(outcome.audit().stored()).isEqualTo(outcome.audit().acknowledged());
    }
}
