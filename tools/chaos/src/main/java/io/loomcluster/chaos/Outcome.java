package io.loomcluster.chaos;

import java.util.List;

/**
 * What one scenario measured: the clients' view, PostgreSQL's view, what was observed on the way,
 * and what a scenario's own audit found broken (any makes the run fail).
 */
public record Outcome(String scenario, Tally tally, MessageAudit audit, List<String> notes, List<String> violations) {
    /** Nothing failed for good, nothing acknowledged was lost or stored twice, no audit found a violation. */
    public boolean clean() {
        return tally.failed() == 0 && audit.lost() == 0 && audit.duplicated() == 0 && violations.isEmpty();
    }
}
