package io.loomcluster.app.jobs;

import java.time.Duration;

/** What a handler reports for one run of a job. A thrown exception means "failed: retry with back-off". */
public sealed interface Outcome {
    Outcome DONE = new Done();

    /** The job's effect happened (or had happened before: handlers are idempotent). */
    record Done() implements Outcome {
    }

    /**
     * Run again after {@code delay}. {@code countsAsAttempt} is false when the job did not run at all
     * (its endpoint was saturated), true when it ran and failed ({@code 429 Retry-After}).
     */
    record Later(Duration delay, boolean countsAsAttempt, String reason) implements Outcome {
    }
}
