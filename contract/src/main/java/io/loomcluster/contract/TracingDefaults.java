package io.loomcluster.contract;

import java.util.Map;

/**
 * The OpenTelemetry settings the app and the balancer start from when tracing is on: traces over
 * OTLP/HTTP, no metrics or logs through OpenTelemetry (Prometheus and Logback do those). Defaults
 * only: every standard {@code OTEL_*} variable (service name, sampler, headers, batch sizes) overrides them.
 */
public final class TracingDefaults {
    private TracingDefaults() {
    }

    /** The autoconfiguration properties for a process that names itself {@code serviceName}. */
    public static Map<String, String> of(String serviceName) {
        return Map.of(
                "otel.service.name", serviceName,
                "otel.traces.exporter", "otlp",
                "otel.metrics.exporter", "none",
                "otel.logs.exporter", "none",
                "otel.exporter.otlp.protocol", "http/protobuf",
                // Fewer, larger exports: at full sampling each HTTP exchange of the exporter costs
                // more than the spans it carries (the queue stays bounded: 8192 spans).
                "otel.bsp.max.export.batch.size", "2048",
                "otel.bsp.max.queue.size", "8192");
    }
}
