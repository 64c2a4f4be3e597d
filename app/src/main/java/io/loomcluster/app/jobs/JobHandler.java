package io.loomcluster.app.jobs;

/** Runs jobs of one type. It must be idempotent by {@link Job#id()}: a job may run more than once. */
@FunctionalInterface
public interface JobHandler {
    Outcome handle(Job job) throws Exception;
}
