package io.loomcluster.app.tracing;

import io.loomcluster.contract.TracingDefaults;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

import java.util.Map;
import java.util.function.Supplier;

/**
 * OpenTelemetry for the app, configured by the standard {@code OTEL_*} variables. Off (and free: no
 * span objects, no header parsing) unless {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or its traces-only
 * form) is set. Spans go to a batch processor: ending a span puts it in a bounded queue
 * ({@code OTEL_BSP_MAX_QUEUE_SIZE}, 8192 here) that one exporter thread sends over OTLP/HTTP;
 * when the queue is full, the span is dropped, never waited for.
 */
public final class Tracing implements AutoCloseable {
    public static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    public static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    public static final AttributeKey<String> DB_QUERY = AttributeKey.stringKey("db.query.text");

    private final OpenTelemetrySdk sdk;
    private final OpenTelemetry telemetry;
    private final Tracer tracer;

    private Tracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        this.telemetry = sdk != null ? sdk : OpenTelemetry.noop();
        this.tracer = telemetry.getTracer("io.loomcluster.app");
    }

    /** Tracing as the environment asks for it. */
    public static Tracing fromEnvironment(Map<String, String> env) {
        return enabled(env) ? new Tracing(configured()) : off();
    }

    public static Tracing off() {
        return new Tracing(null);
    }

    public static boolean enabled(Map<String, String> env) {
        return !env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
                || !env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
    }

    private static OpenTelemetrySdk configured() {
        return AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> TracingDefaults.of("loom-app"))
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
    }

    public boolean enabled() {
        return sdk != null;
    }

    /** Whether work done now belongs to a sampled trace (so its child spans are recorded). */
    public boolean recording() {
        return sdk != null && Span.current().isRecording();
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The parent a request names in its headers ({@code traceparent}, {@code tracestate}); root when none. */
    public <C> Context extract(C carrier, TextMapGetter<C> getter) {
        return telemetry.getPropagators().getTextMapPropagator().extract(Context.root(), carrier, getter);
    }

    /** Writes the current context ({@code traceparent}, {@code tracestate}) into {@code carrier}. */
    public <C> void inject(C carrier, TextMapSetter<C> setter) {
        telemetry.getPropagators().getTextMapPropagator().inject(Context.current(), carrier, setter);
    }

    /**
     * Runs one SQL statement in a child span of the current one; when tracing is off, or the request
     * is not sampled (its children would not be either), just runs it.
     */
    public <T> T sql(String statement, Supplier<T> work) {
        if (!recording()) {
            return work.get();
        }
        String operation = firstWord(statement);
        return client(operation, "postgresql", operation, statement, work);
    }

    /** Runs one Redis command in a child span of the current one, on the same terms as {@link #sql}. */
    public <T> T redis(String command, Supplier<T> work) {
        if (!recording()) {
            return work.get();
        }
        return client(command, "redis", command, null, work);
    }

    private <T> T client(String name, String system, String operation, String text, Supplier<T> work) {
        var builder = tracer.spanBuilder(name).setSpanKind(SpanKind.CLIENT)
                .setAttribute(DB_SYSTEM, system)
                .setAttribute(DB_OPERATION, operation);
        if (text != null) {
            // Statements carry bind parameters (?), never values: the text is safe to export.
            builder.setAttribute(DB_QUERY, text);
        }
        Span span = builder.startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return work.get();
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    static String firstWord(String statement) {
        String trimmed = statement.strip();
        int end = 0;
        while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
            end++;
        }
        return end == 0 ? "SQL" : trimmed.substring(0, end).toUpperCase(java.util.Locale.ROOT);
    }

    /** The current trace id, or null outside a sampled or recorded span. */
    public static String currentTraceId() {
        var context = Span.current().getSpanContext();
        return context.isValid() ? context.getTraceId() : null;
    }

    /** Sends what is queued, then stops the exporter. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.close();
        }
    }
}
