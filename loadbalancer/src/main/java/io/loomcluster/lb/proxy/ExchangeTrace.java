package io.loomcluster.lb.proxy;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The spans of one exchange, on its event loop: a server span for the client's request and a client
 * span per attempt at a backend (which backend, which attempt, why the previous one failed). The
 * attempt's span context is what the backend receives in {@code traceparent}, so the app's span is
 * its child. Contexts are passed explicitly, never made current: a loop's thread serves many
 * exchanges at once.
 */
final class ExchangeTrace {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> TARGET = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> PEER = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> SERVER = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> RETRY_REASON = AttributeKey.stringKey("loom.retry.reason");
    static final AttributeKey<String> FAILURE = AttributeKey.stringKey("error.type");
    /** The request id (X-Request-Id), to go from a log line or a problem body to the trace and back. */
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("loom.request.id");
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";

    private static final TextMapGetter<HttpHeaders> GET = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapSetter<HttpHeaders> SET = (carrier, key, value) -> carrier.set(key, value);

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final Span server;
    private final Context serverContext;
    private Span attempt;

    private ExchangeTrace(Tracer tracer, TextMapPropagator propagator, Span server, Context serverContext) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.server = server;
        this.serverContext = serverContext;
    }

    /**
     * Starts the server span: a child of the client's {@code traceparent} when the client is trusted,
     * else the root of a new trace. Either way the client's trace headers are removed here; each
     * attempt sets its own.
     */
    static ExchangeTrace start(Tracing tracing, HttpHeaders headers, RequestLine line, String peer, boolean trusted) {
        TextMapPropagator propagator = tracing.propagator();
        Context parent = trusted ? propagator.extract(Context.root(), headers, GET) : Context.root();
        headers.remove(TRACEPARENT);
        headers.remove(TRACESTATE);
        Tracer tracer = tracing.tracer();
        Span server = tracer.spanBuilder(line.method())
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute(METHOD, line.method())
                .setAttribute(PATH, path(line.target()))
                .setAttribute(PEER, peer)
                .setAttribute(REQUEST_ID, line.requestId())
                .startSpan();
        return new ExchangeTrace(tracer, propagator, server, parent.with(server));
    }

    /** A new attempt at {@code backend}: its span, and its context in the request's headers. */
    void attempt(Backend backend, int number, Failure previous, HttpHeaders headers, String method) {
        var builder = tracer.spanBuilder(method)
                .setSpanKind(SpanKind.CLIENT)
                .setParent(serverContext)
                .setAttribute(SERVER, backend.uri().getHost())
                .setAttribute(SERVER_PORT, (long) backend.uri().getPort());
        if (number > 1) {
            builder.setAttribute(ATTEMPT, (long) (number - 1));
            if (previous != null) {
                builder.setAttribute(RETRY_REASON, previous.name());
            }
        }
        attempt = builder.startSpan();
        propagator.inject(serverContext.with(attempt), headers, SET);
    }

    /** The current attempt failed before an answer. */
    void attemptFailed(Failure failure) {
        if (attempt != null) {
            attempt.setAttribute(FAILURE, failure.name());
            attempt.setStatus(StatusCode.ERROR, failure.detail);
        }
    }

    /** The current attempt is over; {@code status} is the backend's answer, 0 when there was none. */
    void attemptEnded(int status) {
        if (attempt != null) {
            if (status > 0) {
                attempt.setAttribute(STATUS, (long) status);
                if (status >= 500) {
                    attempt.setStatus(StatusCode.ERROR);
                }
            }
            attempt.end();
            attempt = null;
        }
    }

    /** The exchange is over with {@code status} to the client (499: the client went away). */
    void finish(int status) {
        attemptEnded(0);
        server.setAttribute(STATUS, (long) status);
        if (status >= 500) {
            server.setStatus(StatusCode.ERROR);
        }
        server.end();
    }

    String traceId() {
        return server.getSpanContext().getTraceId();
    }

    private static String path(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }
}
