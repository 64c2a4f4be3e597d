package io.loomcluster.lb.proxy;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.routing.ServicePool;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * One client request on its way through the balancer, over one or more attempts at backends, all
 * on the client connection's event loop. The request body is kept whole while it is small
 * ({@code LB_RETRY_BUFFER_BYTES}), so it can be sent again and bad chunking in it is refused before
 * a backend sees it; a longer body streams with back-pressure. The response streams back the same
 * way. Failures are classified once ({@link Failure}) and decide the retry and the answer.
 */
final class Exchange {
    /** How the request body reaches the backend. */
    private enum Body { NONE, BUFFERED, STREAMED }

    final ClientConnection client;
    final RequestLine line;
    /** The pool {@code LB_ROUTES} chose. */
    private final ServicePool target;
    /** The framing the client gave the body, decided before any header was rewritten. */
    private final BodyPlan plan;
    private final HttpRequest request;
    private final Services services;
    final long startNanos;
    private Body body;
    private CompositeByteBuf buffered;
    private long bodyBytes;
    private boolean requestComplete;
    /** Some of a streamed body went to a backend: it cannot be sent again. */
    private boolean bodySent;

    private Backend backend;
    private List<Backend> tried;
    private Failure lastFailure;
    private int attempts;
    private long attemptStart;
    /** backend.begin() was called for the current attempt and backend.end() not yet. */
    private boolean attemptOpen;
    private BackendConnections waitingIn;
    private BackendHandler connection;

    private boolean responseStarted;
    private boolean interim;
    private boolean backendKeepAlive;
    private int status;
    private long responseBytes;
    private boolean done;
    /** The backend answered with an event stream: from here on the exchange has no total deadline. */
    private boolean eventStream;
    /** The exchange's spans; null when tracing is off. */
    private ExchangeTrace trace;

    Exchange(ClientConnection client, HttpRequest request, RequestLine line, Verdict.Forward forward, Services services) {
        this.client = client;
        this.startNanos = client.loop().ticker.nanoTime();
        this.request = request;
        this.line = line;
        this.services = services;
        this.target = forward.pool();
        this.plan = forward.body();
    }

    /**
     * Starts once the headers are in (and {@link Admission} let the request through): rewrites them
     * for the backend, states the body's framing, and dispatches now or first collects a small body.
     */
    void begin() {
        if (services.tracing().enabled()) {
            trace = ExchangeTrace.start(services.tracing(), request.headers(), line, client.forwardedClient().address(),
                    client.traceTrusted());
        } else if (!client.traceTrusted()) {
            // A client outside LB_TRACE_TRUSTED does not choose the trace (or the sampling) of the app's spans.
            request.headers().remove(ExchangeTrace.TRACEPARENT);
            request.headers().remove(ExchangeTrace.TRACESTATE);
        }
        ForwardedHeaders.rewrite(request.headers(), client.forwardedClient(), line.requestId());
        if (line.webSocket()) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            request.headers().set(HttpHeaderNames.UPGRADE, line.upgrade());
        }
        if (!plan.hasBody()) {
            body = Body.NONE;
            plan.state(request.headers());
            dispatch();
        } else if (plan.kind() == BodyPlan.Kind.SIZED && plan.length() > services.limits().retryBufferBytes()) {
            body = Body.STREAMED;
            plan.state(request.headers());
            dispatch();
        } else {
            // Stated at dispatch: the length once it is all here, or chunked if it outgrows the buffer.
            body = Body.BUFFERED;
            buffered = client.channel().alloc().compositeBuffer(64);
        }
    }

    boolean requestComplete() {
        return requestComplete;
    }

    /** Whether reading more of the client's body now is welcome (else the client is paused). */
    boolean wantsBody() {
        if (requestComplete || body != Body.STREAMED) {
            return true;
        }
        return connection != null && connection.channel().isWritable();
    }

    /**
     * The deadline of the whole exchange, body included. It is lifted (only the idle timeout is left)
     * once the backend answers with an event stream, and for WebSocket upgrades; a request that merely
     * asks for an event stream is bounded like any other until then, so a client trickling its body
     * cannot hold a connection by sending {@code Accept: text/event-stream}.
     */
    long deadline() {
        return eventStream || line.webSocket() ? Long.MAX_VALUE : startNanos + target.requestNanos();
    }

    // ---- the request body from the client

    void clientContent(HttpContent content) {
        if (done) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            clientFault(400, "malformed request body: " + content.decoderResult().cause().getMessage());
            return;
        }
        boolean last = content instanceof LastHttpContent;
        bodyBytes += content.content().readableBytes();
        if (bodyBytes > services.limits().maxBodyBytes()) {
            content.release();
            clientFault(413, "request body exceeds the balancer's limit");
            return;
        }
        if (body == Body.NONE) {
            content.release();
        } else if (body == Body.BUFFERED || connection == null) {
            if (buffered == null) {
                buffered = client.channel().alloc().compositeBuffer(64);
            }
            buffered.addComponent(true, content.content().retain());
            content.release();
            if (body == Body.BUFFERED && !last && buffered.readableBytes() > services.limits().retryBufferBytes()) {
                // Too long to keep: what is here goes first, the rest streams.
                body = Body.STREAMED;
                BodyPlan.CHUNKED.state(request.headers());
                dispatch();
            }
        } else {
            bodySent = true;
            connection.channel().write(last ? content : new DefaultHttpContent(content.content()));
            client.flushBackendLater(connection.channel());
        }
        if (last) {
            requestComplete = true;
            if (body == Body.BUFFERED) {
                BodyPlan.sized(buffered.readableBytes()).state(request.headers());
                dispatch();
            }
        }
        client.updateReading();
    }

    // ---- attempts

    private void dispatch() {
        List<Backend> available = target.backends().snapshot().available();
        if (tried != null) {
            available = new ArrayList<>(available);
            available.removeAll(tried);
        }
        Backend chosen = target.strategy().select(available);
        if (chosen == null) {
            unavailable();
            return;
        }
        backend = chosen;
        attempts++;
        if (trace != null) {
            trace.attempt(backend, attempts, lastFailure, request.headers(), line.method());
        }
        attemptStart = client.loop().ticker.nanoTime();
        attemptOpen = true;
        backend.begin();
        BackendConnections pool = client.loop().pool(backend);
        if (line.webSocket() || line.eventStream() || target.settings().streams()) {
            pool.acquireStream(this, line.webSocket());
        } else {
            waitingIn = pool;
            pool.acquire(this);
        }
    }

    /** A connection for the current attempt (now, or later from the pool's queue or a connect). */
    void connected(BackendHandler handler) {
        waitingIn = null;
        if (done) {
            // This exchange gave up meanwhile; the connection is fine for the next one.
            if (handler.dedicated()) {
                handler.channel().close();
            } else {
                handler.pool().release(handler);
            }
            return;
        }
        connection = handler;
        handler.attach(this);
        Channel channel = handler.channel();
        channel.write(request);
        switch (body) {
            case NONE -> channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
            case BUFFERED -> channel.write(new DefaultLastHttpContent(buffered.retainedDuplicate()));
            case STREAMED -> {
                // What arrived before the connection goes first, handed over whole: the write owns it
                // until it is flushed (a slice of it would not keep its components alive).
                CompositeByteBuf early = buffered;
                buffered = null;
                if (early != null && early.isReadable()) {
                    bodySent = true;
                    channel.write(new DefaultHttpContent(early));
                } else if (early != null) {
                    early.release();
                }
                if (requestComplete) {
                    channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            }
        }
        channel.flush();
        client.bodyWanted();
    }

    /** The attempt failed before any response; retries elsewhere when the failure and the body allow. */
    void attemptFailed(Failure failure, Throwable cause) {
        if (done || backend == null) {
            return;
        }
        waitingIn = null;
        dropConnection();
        if (trace != null) {
            trace.attemptFailed(failure);
        }
        endAttempt(true);
        if (failure.unhealthy) {
            target.health().onConnectionFailure(backend, cause != null ? cause : new IllegalStateException(failure.detail));
        }
        if (tried == null) {
            tried = new ArrayList<>(2);
        }
        tried.add(backend);
        lastFailure = failure;
        boolean replayable = body != Body.STREAMED || !bodySent;
        if (!failure.retryable(line.idempotent()) || !replayable) {
            String detail = failure == Failure.CLOSED_BEFORE_RESPONSE
                    ? failure.detail + " and the request is not safe to repeat" : failure.detail;
            services.metrics().failure(failure.name().toLowerCase(java.util.Locale.ROOT));
            respond(failure.status, detail, failure == Failure.QUEUE_FULL || failure == Failure.STREAMS_FULL ? "1" : null);
        } else if (attempts <= target.retries()) {
            dispatch();
        } else {
            services.metrics().failure(failure.name().toLowerCase(java.util.Locale.ROOT));
            respond(503, attemptsFailed() + "; no retry is left (LB_RETRIES)", target.retryAfterSeconds());
        }
    }

    private void unavailable() {
        services.metrics().failure(tried == null ? "no_backend" : lastFailure.name().toLowerCase(java.util.Locale.ROOT));
        if (tried == null) {
            respond(503, "no backend is available" + (target.name().equals("default") ? ""
                    : " in pool " + target.name()), target.retryAfterSeconds());
        } else {
            respond(503, attemptsFailed() + "; no other backend is available", target.retryAfterSeconds());
        }
    }

    private String attemptsFailed() {
        return attempts + (attempts == 1 ? " attempt" : " attempts") + " failed, the last because "
                + lastFailure.detail + " (" + backend + ")";
    }

    // ---- the response from the backend

    void fromBackend(BackendHandler from, Object msg) {
        if (from != connection || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        client.touch();
        if (msg instanceof HttpResponse response) {
            responseHead(response);
        } else if (msg instanceof HttpContent content) {
            responseContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void responseHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            if (responseStarted) {
                cut();
            } else {
                attemptFailed(Failure.MALFORMED_RESPONSE, response.decoderResult().cause());
            }
            return;
        }
        int code = response.status().code();
        if (code == 101 && line.webSocket()) {
            upgraded(response);
            return;
        }
        if (code < 200) {
            // Interim answers (102, 103) are not passed on; 100 cannot come, Expect is not forwarded.
            interim = true;
            ReferenceCountUtil.release(response);
            return;
        }
        responseStarted = true;
        status = code;
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        eventStream = code < 300 && type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        client.writeResponseHead(this, response);
    }

    private void responseContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (interim) {
            content.release();
            interim = !last;
            return;
        }
        if (content.decoderResult().isFailure() || !responseStarted) {
            content.release();
            cut();
            return;
        }
        responseBytes += content.content().readableBytes();
        if (!last) {
            client.writeResponseContent(content, connection);
            return;
        }
        done = true;
        BackendHandler c = connection;
        connection = null;
        c.detach();
        if (!c.channel().config().isAutoRead()) {
            c.channel().config().setAutoRead(true);
        }
        if (backendKeepAlive && requestComplete && !c.dedicated()) {
            c.pool().release(c);
        } else {
            c.channel().close();
        }
        endAttempt(false);
        target.health().onAnswered(backend);
        finish();
        client.finishResponse(this, (LastHttpContent) content, !requestComplete);
    }

    private void upgraded(HttpResponse response) {
        done = true;
        responseStarted = true;
        status = 101;
        BackendHandler c = connection;
        connection = null;
        c.detach();
        endAttempt(false);
        target.health().onAnswered(backend);
        finish();
        // The relay replaces the handler, so its close is not seen there: the stream's count and the
        // backend's connection count are given back when the channel closes.
        c.channel().closeFuture().addListener(f -> {
            c.pool().backend.connectionClosed();
            c.pool().closed(c);
        });
        client.upgrade(this, response, c.channel());
    }

    /** Called from inside the backend's writes as well: only a backend that became writable takes held body parts. */
    void backendWritabilityChanged() {
        BackendHandler c = connection;
        if (c != null && c.channel().isWritable()) {
            client.bodyWanted();
        } else {
            client.updateReading();
        }
    }

    void clientWritabilityChanged(boolean writable) {
        BackendHandler c = connection;
        if (c != null && responseStarted && c.channel().config().isAutoRead() != writable) {
            c.channel().config().setAutoRead(writable);
        }
    }

    /** The backend's connection closed under this exchange. */
    void backendClosed(BackendHandler from) {
        if (from != connection || done) {
            return;
        }
        connection = null;
        if (!responseStarted) {
            attemptFailed(Failure.CLOSED_BEFORE_RESPONSE, null);
        } else {
            cut();
        }
    }

    // ---- endings

    /** No answer in time (or no bytes either way for the idle timeout). */
    void timedOut() {
        if (done) {
            return;
        }
        if (backend == null || (!requestComplete && !bodySent && body == Body.BUFFERED)) {
            clientFault(408, "the request body did not arrive in time");
            return;
        }
        if (responseStarted) {
            cut();
            return;
        }
        cancelWaiting();
        dropConnection();
        if (trace != null) {
            trace.attemptFailed(Failure.TIMEOUT);
        }
        endAttempt(true);
        services.metrics().failure("timeout");
        respond(Failure.TIMEOUT.status, Failure.TIMEOUT.detail, null);
    }

    /** The client connection closed: the backend connection cannot finish this exchange and is closed. */
    void clientClosed() {
        if (done) {
            return;
        }
        cancelWaiting();
        dropConnection();
        endAttempt(false);
        if (status == 0) {
            status = 499;
        }
        done = true;
        finish();
    }

    /** The client sent something it should not have; nothing more goes to a backend. */
    private void clientFault(int code, String detail) {
        cancelWaiting();
        dropConnection();
        endAttempt(false);
        if (responseStarted) {
            cut();
            return;
        }
        status = code;
        done = true;
        finish();
        client.respondProblem(this, code, detail, null, true);
    }

    private void respond(int code, String detail, String retryAfter) {
        status = code;
        done = true;
        finish();
        client.respondProblem(this, code, detail, retryAfter, false);
    }

    /** The response is partly out and cannot be completed: both connections are closed. */
    private void cut() {
        dropConnection();
        endAttempt(true);
        done = true;
        finish();
        client.cut(this);
    }

    private void cancelWaiting() {
        if (waitingIn != null) {
            waitingIn.cancel(this);
            waitingIn = null;
        }
    }

    private void endAttempt(boolean failed) {
        if (attemptOpen) {
            attemptOpen = false;
            backend.end(client.loop().ticker.nanoTime() - attemptStart, failed);
            if (trace != null) {
                trace.attemptEnded(status);
            }
        }
    }

    /** Closes the current backend connection, if any; true when there was one. */
    private boolean dropConnection() {
        BackendHandler c = connection;
        if (c == null) {
            return false;
        }
        connection = null;
        c.detach();
        c.channel().close();
        return true;
    }

    private void finish() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
        long elapsed = client.loop().ticker.nanoTime() - startNanos;
        services.metrics().record(backend, status, elapsed);
        if (trace != null) {
            trace.finish(status);
        }
        if (services.accessLog().enabled()) {
            services.accessLog().log(line.method(), line.target(), status, backend == null ? "-" : backend.address(),
                    responseBytes, elapsed, line.requestId(), traceId());
        }
    }

    /** The trace this exchange belongs to; null when tracing is off. */
    String traceId() {
        return trace == null ? null : trace.traceId();
    }

    boolean headRequest() {
        return line.head();
    }
}
