package io.loomcluster.lb.tracing;

import io.loomcluster.contract.TracingDefaults;
import io.loomcluster.contract.TrustedProxies;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

/**
 * OpenTelemetry for the balancer, configured by the standard {@code OTEL_*} variables; inert
 * unless an OTLP endpoint is set ({@link #enabled()} is checked before any span work, so
 * the data path allocates nothing for tracing when it is off). Ended spans go to the SDK's batch
 * processor: a bounded queue ({@code OTEL_BSP_MAX_QUEUE_SIZE}, 8192 here) that an exporter
 * thread of its own drains; an event loop only offers to it, and a full queue drops the span.
 */
public final class Tracing implements AutoCloseable {
    private final OpenTelemetrySdk sdk;
    private final TrustedProxies trusted;
    private final Tracer tracer;
    private final TextMapPropagator propagator;

    private Tracing(OpenTelemetrySdk sdk, TrustedProxies trusted) {
        this.sdk = sdk;
        this.trusted = trusted;
        this.tracer = sdk == null ? null : sdk.getTracer("io.loomcluster.lb");
        this.propagator = sdk == null ? null : sdk.getPropagators().getTextMapPropagator();
    }

    /** Tracing on when {@code enabled}, trusting {@code traceparent} from the peers in {@code trusted}. */
    public static Tracing start(boolean enabled, TrustedProxies trusted) {
        if (!enabled) {
            return new Tracing(null, trusted);
        }
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> TracingDefaults.of("loom-balancer"))
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        return new Tracing(sdk, trusted);
    }

    public boolean enabled() {
        return sdk != null;
    }

    /** Whether a client at {@code address} may name the trace its request belongs to ({@code LB_TRACE_TRUSTED}). */
    public boolean trusts(String address) {
        return trusted.trusts(address);
    }

    public Tracer tracer() {
        return tracer;
    }

    public TextMapPropagator propagator() {
        return propagator;
    }

    /** Sends what is queued, then stops the exporter thread. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.close();
        }
    }
}
