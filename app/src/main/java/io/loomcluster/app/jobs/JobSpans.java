package io.loomcluster.app.jobs;

import io.loomcluster.app.jobs.JobQueue.Delivery;
import io.loomcluster.app.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

/**
 * One CONSUMER span per run of a job ("process loom:jobs:&lt;type&gt;"), following the OpenTelemetry
 * messaging conventions: its parent is the context the job carries (the request that created it,
 * so the run is part of that request's trace) and it also links to that context (the conventions
 * require the link; a parent is allowed when one message is processed, which is always the case
 * here). A job without a context starts a trace of its own. The handler's SQL and Redis commands
 * and the webhook's POST are its children. Nothing is built when tracing is off.
 */
final class JobSpans {
    static final JobSpans OFF = new JobSpans(Tracing.off());

    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> JOB_TYPE = AttributeKey.stringKey("loom.job.type");
    static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("loom.job.id");
    static final AttributeKey<Long> JOB_ATTEMPT = AttributeKey.longKey("loom.job.attempt");
    static final AttributeKey<String> JOB_OUTCOME = AttributeKey.stringKey("loom.job.outcome");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** How a run ended, as the span's {@code loom.job.outcome}. */
    enum Ending {
        DONE("done"), DEFERRED("deferred"), RETRY("retry"), DEAD_LETTERED("dead_lettered"), UNRECORDED("unrecorded");

        final String label;

        Ending(String label) {
            this.label = label;
        }
    }

    private final Tracing tracing;

    JobSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    boolean enabled() {
        return tracing.enabled();
    }

    /** Starts the span of one run (not made current: the caller does, on the thread that runs the job). */
    Span start(Delivery delivery) {
        Job job = delivery.job();
        Context parent = job.trace().present() ? tracing.extract(job.trace(), TraceContext.GETTER) : Context.root();
        var builder = tracing.tracer().spanBuilder("process " + JobQueue.keyOf(job.type()))
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(parent)
                .setAttribute(MESSAGING_SYSTEM, "redis")
                .setAttribute(OPERATION_TYPE, "process")
                .setAttribute(OPERATION_NAME, "process")
                .setAttribute(DESTINATION, JobQueue.keyOf(job.type()))
                .setAttribute(CONSUMER_GROUP, JobQueue.GROUP)
                .setAttribute(MESSAGE_ID, delivery.entryId().toString())
                .setAttribute(JOB_TYPE, job.type())
                .setAttribute(JOB_ID, job.id())
                .setAttribute(JOB_ATTEMPT, (long) job.attempt());
        var creation = Span.fromContext(parent).getSpanContext();
        if (creation.isValid()) {
            builder.addLink(creation);
        }
        return builder.startSpan();
    }

    /** Records how the run ended; {@code error} (the handler's failure) marks the span as failed. */
    static void ended(Span span, Ending outcome, String error) {
        span.setAttribute(JOB_OUTCOME, outcome.label);
        if (error != null) {
            span.setAttribute(ERROR_TYPE, outcome.label);
            span.setStatus(StatusCode.ERROR, error);
        }
    }
}
