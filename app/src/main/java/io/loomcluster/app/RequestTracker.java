package io.loomcluster.app;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiRoutes;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.http.RequestIds;
import io.loomcluster.app.metrics.Metrics;
import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.contract.Names;
import io.loomcluster.contract.TrustedProxies;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-request bookkeeping: request and instance ids, security headers, the in-flight bound for
 * the API, the count of open requests for a graceful drain, the server span and the log context
 * (MDC: request id, trace id; {@code Auth} adds the user id), and the access log and metrics.
 */
final class RequestTracker {
    private static final Logger access = LoggerFactory.getLogger("access");
    private static final String SPAN = "loom.span";
    private static final String SCOPE = "loom.scope";
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("network.peer.address");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("loom.request.id");
    private static final TextMapGetter<HttpServletRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest carrier) {
            return Collections.list(carrier.getHeaderNames());
        }

        @Override
        public String get(jakarta.servlet.http.HttpServletRequest carrier, String key) {
            return carrier == null ? null : carrier.getHeader(key);
        }
    };

    private final String instanceId;
    private final InFlightLimiter limiter;
    private final Metrics metrics;
    private final Tracing tracing;
    private final TrustedProxies trustedProxies;
    private final AtomicInteger open = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();

    RequestTracker(String instanceId, InFlightLimiter limiter, Metrics metrics, Tracing tracing,
                   TrustedProxies trustedProxies) {
        this.instanceId = instanceId;
        this.limiter = limiter;
        this.metrics = metrics;
        this.tracing = tracing;
        this.trustedProxies = trustedProxies;
    }

    void install(RoutesConfig routes) {
        routes.before(this::begin);
        // By the matched route, so every spelling the router accepts counts against the bound.
        routes.beforeMatched(ctx -> {
            if (ApiRoutes.matched(ctx)) {
                limiter.acquire(ctx, opensStream(ctx.path()) ? STREAM_ADMISSION_WAIT_MILLIS : 0);
            }
        });
        routes.after(this::end);
    }

    private void begin(Context ctx) {
        open.incrementAndGet();
        MDC.put("requestId", RequestIds.assign(ctx));
        if (tracing.enabled() && traced(ctx.path())) {
            startSpan(ctx);
        }
        ctx.header(Names.INSTANCE_ID_HEADER, instanceId);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
    }

    /** How long opening a live stream may wait for an in-flight permit (the database's own connect wait). */
    static final long STREAM_ADMISSION_WAIT_MILLIS = 2_000;

    /** Live-stream routes: they hold a permit only while admitted (then release it) and may wait for one. */
    static boolean opensStream(String path) {
        return path.endsWith("/events") || path.endsWith("/ws");
    }

    /** Probes and scrapes (every few seconds from every balancer and Prometheus) would drown the traces of real requests. */
    private static boolean traced(String path) {
        return !path.startsWith("/health/") && !path.equals("/metrics");
    }

    /**
     * The request's server span, current for the handler's thread (SQL and Redis spans become its
     * children). Its parent is the {@code traceparent} sent by a trusted proxy (the balancer); from
     * anyone else the header is ignored and a new trace starts.
     */
    private void startSpan(Context ctx) {
        String peer = ctx.req().getRemoteAddr();
        io.opentelemetry.context.Context parent = trustedProxies.trusts(peer)
                ? tracing.extract(ctx.req(), HEADERS) : io.opentelemetry.context.Context.root();
        Span span = tracing.tracer().spanBuilder(ctx.method().name())
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute(METHOD, ctx.method().name())
                .setAttribute(PATH, ctx.path())
                .setAttribute(CLIENT, peer)
                .setAttribute(REQUEST_ID, RequestIds.of(ctx))
                .startSpan();
        ctx.attribute(SPAN, span);
        ctx.attribute(SCOPE, new ThreadScope(parent.with(span).makeCurrent(), Thread.currentThread()));
        MDC.put("traceId", span.getSpanContext().getTraceId());
    }

    /** A scope closes on the thread that opened it (thread-local storage); elsewhere it is left to die with its thread. */
    private record ThreadScope(Scope scope, Thread thread) {
        void close() {
            if (Thread.currentThread() == thread) {
                scope.close();
            }
        }
    }

    private void end(Context ctx) {
        ThreadScope scope = ctx.attribute(SCOPE);
        if (scope != null) {
            ctx.attribute(SCOPE, null);
            scope.close();
        }
        limiter.release(ctx);
        if (open.decrementAndGet() == 0) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    void completed(Context ctx, Float millis) {
        String route = route(ctx);
        Span span = ctx.attribute(SPAN);
        if (span != null) {
            MDC.put("traceId", span.getSpanContext().getTraceId());
        }
        MDC.put("requestId", RequestIds.of(ctx));
        // The same line for a terminal; separate fields in JSON.
        access.atInfo()
                .addKeyValue("method", ctx.method().name())
                .addKeyValue("path", ctx.path())
                .addKeyValue("route", route)
                .addKeyValue("status", ctx.statusCode())
                .addKeyValue("ms", millis)
                .log("{} {} {} {} {}ms", RequestIds.of(ctx), ctx.method().name(), ctx.path(), ctx.statusCode(),
                        String.format("%.1f", millis));
        metrics.recordRequest(ctx, route, Duration.ofNanos((long) (millis * 1_000_000)));
        if (span != null) {
            endSpan(span, ctx, route);
        }
        MDC.clear();
    }

    private static void endSpan(Span span, Context ctx, String route) {
        int status = ctx.statusCode();
        // Named by the route template (bounded), not the raw path.
        span.updateName(ctx.method().name() + " " + route);
        span.setAttribute(ROUTE, route);
        span.setAttribute(STATUS, status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    private static String route(Context ctx) {
        var endpoint = ctx.endpoints().lastHttpEndpoint();
        return endpoint == null || endpoint.path.isEmpty() ? "unmatched" : endpoint.path;
    }

    /** Waits until no request is open, up to the timeout; true when idle. */
    boolean awaitIdle(Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (open.get() > 0 && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
            return open.get() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
