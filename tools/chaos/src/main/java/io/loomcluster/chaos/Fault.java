package io.loomcluster.chaos;

import java.util.List;

/** A fault injected into a running cluster while the workload runs; observations go into {@code notes}. */
public interface Fault {
    /** Before the load starts (e.g. open live subscribers that must see every message). */
    default void beforeLoad(ChaosCluster cluster, Workload load) {
    }

    void inject(ChaosCluster cluster, Workload load, List<String> notes);

    /** After the load stopped, before PostgreSQL is audited. */
    default void afterLoad(ChaosCluster cluster, Workload load, Tally tally, List<String> notes) {
    }

    /** Always, last, however the scenario ended: stop what the fault started itself. */
    default void cleanUp() {
    }
}
