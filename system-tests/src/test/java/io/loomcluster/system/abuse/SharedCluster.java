package io.loomcluster.system.abuse;

import io.loomcluster.chaos.*;

import java.nio.file.Path;
import java.util.Map;

/** One cluster (two instances behind the balancer) shared by the abuse tests of a run; stopped when the JVM exits. */
final class SharedCluster {
    /** Short enough that the tests see idle connections cut, long enough for every normal request here. */
    static final String IDLE_TIMEOUT = "3s";

    private SharedCluster() {
    }

    static ChaosCluster get() {
        return Holder.CLUSTER;
    }

    /**
     * Fails when the shared balancer has reported a leaked buffer so far: called as each test class
     * ends, since the shutdown hook that stops the cluster can only print.
     */
    static void assertNoLeaks() {
        Holder.CLUSTER.balancer().assertNoLeaks();
    }

    private static final class Holder {
        static final ChaosCluster CLUSTER = start();

        private static ChaosCluster start() {
            ChaosCluster cluster = ChaosCluster.start(ChaosCluster.Spec.fromSystemProperties(Path.of("target", "it-logs", "shared"), 2)
                    .withLbEnv(Map.of("LB_IDLE_TIMEOUT", IDLE_TIMEOUT)));
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "shared-cluster-shutdown"));
            return cluster;
        }
    }
}
