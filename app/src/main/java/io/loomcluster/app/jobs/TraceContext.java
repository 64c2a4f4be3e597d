package io.loomcluster.app.jobs;

import io.loomcluster.app.db.Sql;
import io.loomcluster.app.tracing.Tracing;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.List;

/**
 * The W3C trace context ({@code traceparent}, {@code tracestate}) a job carries from the request
 * that created it through the outbox, the stream, retries and dead letters, so that each run of the
 * job is a span of that request's trace. Both null when the job was created untraced (tracing off,
 * a job enqueued by a tool, rows and entries older than this field).
 */
public record TraceContext(String traceparent, String tracestate) {
    public static final TraceContext NONE = new TraceContext(null, null);

    public boolean present() {
        return traceparent != null;
    }

    /**
     * The context to store with jobs that the work running now creates (in {@code tx}): the current
     * span's, i.e. the request's. No "create" span of its own: a post adds its webhook jobs with one
     * insert whether or not the room has webhooks, and an empty producer span on every post would
     * cost a span per request for nothing. An unsampled request's context is stored too (its
     * sampled flag off), so that its jobs follow the request's sampling decision rather than being
     * sampled afresh as roots. With tracing off nothing is stored.
     */
    public static TraceContext current(Sql.Transaction tx) {
        Tracing tracing = tx.tracing();
        if (!tracing.enabled()) {
            return NONE;
        }
        Carrier carrier = new Carrier();
        tracing.inject(carrier, Carrier.SETTER);
        return carrier.traceparent == null ? NONE : new TraceContext(carrier.traceparent, carrier.tracestate);
    }

    /** What the W3C propagator reads and writes: just the two headers. */
    private static final class Carrier {
        static final TextMapSetter<Carrier> SETTER = (carrier, key, value) -> {
            if (carrier == null) {
                return;
            }
            switch (key) {
                case "traceparent" -> carrier.traceparent = value;
                case "tracestate" -> carrier.tracestate = value.isEmpty() ? null : value;
                default -> {
                    // baggage and other fields are not carried by jobs
                }
            }
        };
        String traceparent;
        String tracestate;
    }

    /** Reads a stored context back for the propagator. */
    static final TextMapGetter<TraceContext> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceContext carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(TraceContext carrier, String key) {
            if (carrier == null) {
                return null;
            }
            return switch (key) {
                case "traceparent" -> carrier.traceparent;
                case "tracestate" -> carrier.tracestate;
                default -> null;
            };
        }
    };
}
