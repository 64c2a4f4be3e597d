package io.loomcluster.chaos;

import java.util.List;

/** The results as a Markdown table, one row per scenario. */
final class Table {
    private Table() {
    }

    static String render(List<Outcome> outcomes) {
        StringBuilder out = new StringBuilder();
        out.append("| scenario | requests | failed | retried (5xx / no answer) | slowest failed attempt ms | slow attempts (>2 s)"
                + " | 401 (re-login) | acknowledged writes | in PostgreSQL | lost | duplicated | observed |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        outcomes.forEach(o -> out.append(row(o)).append('\n'));
        return out.toString();
    }

    static String row(Outcome o) {
        Tally t = o.tally();
        MessageAudit a = o.audit();
        return "| " + o.scenario() + " | " + t.requests() + " | " + t.failed() + " | " + t.retriedAnswers() + " | "
                + t.slowestFailedAttemptMillis() + " | " + t.slowAttempts() + " | " + t.sessionsLost() + " | "
                + a.acknowledged() + " | " + a.stored() + " | " + a.lost() + " | " + a.duplicated() + " | "
                + String.join("; ", o.notes()) + " |";
    }
}
