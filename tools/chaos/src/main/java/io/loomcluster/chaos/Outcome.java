package io.loomcluster.chaos;

import java.util.List;

/** What one scenario measured: the clients' view, PostgreSQL's view, and what was observed on the way. */
public record Outcome(String scenario, Tally tally, MessageAudit audit, List<String> notes) {
}
