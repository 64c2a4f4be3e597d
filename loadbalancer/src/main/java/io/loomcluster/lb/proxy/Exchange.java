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
    private enum Body { NONE, BUFFERED, STREAMED, REFUSED }

    final ClientConnection client;
    final RequestLine line;
    /** The pool {@code LB_ROUTES} chose; null when no route matches (answered 404). */
    private final ServicePool target;
    private final HttpRequest request;
    private final Services services;
    final long startNanos = System.nanoTime();
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
    /** Why the request is answered without a backend once its body is in (the rate limit's 429). */
    private int refusalStatus;
    private String refusal;
    private String refusalRetryAfter;
    /** The exchange's spans; null when tracing is off. */
    private ExchangeTrace trace;

    Exchange(ClientConnection client, HttpRequest request, RequestLine line, Services services) {
        this.client = client;
        this.request = request;
        this.line = line;
        this.services = services;
        this.target = services.router().route(request.headers().get(HttpHeaderNames.HOST), request.uri());
    }

    /** Starts once the headers are in: dispatches now, or first collects a small body. */
    void begin() {
        if (InternalPaths.blocked(line.target())) {
            clientFault(404, "no route for " + line.method() + " on this path through the balancer; "
                    + "metrics are scraped from each instance directly");
            return;
        }
        long length = HttpUtil.getContentLength(request, -1L);
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        if (services.tracing().enabled()) {
            trace = ExchangeTrace.start(services.tracing(), request.headers(), line, client.forwardedClient().address(),
                    client.traceTrusted());
        } else if (!client.traceTrusted()) {
            // A client outside LB_TRACE_TRUSTED does not choose the trace (or the sampling) of the app's spans.
            request.headers().remove(ExchangeTrace.TRACEPARENT);
            request.headers().remove(ExchangeTrace.TRACESTATE);
        }
        if (rateLimited(length, chunked)) {
            return;
        }
        if (target == null) {
            refuse(404, "no route matches this request (LB_ROUTES)", null, length, chunked);
            return;
        }
        ForwardedHeaders.rewrite(request.headers(), client.forwardedClient(), line.requestId());
        if (line.webSocket()) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            request.headers().set(HttpHeaderNames.UPGRADE, line.upgrade());
        }
        if (!chunked && length <= 0) {
            body = Body.NONE;
            dispatch();
        } else if (!chunked && length > services.limits().retryBufferBytes()) {
            body = Body.STREAMED;
            dispatch();
        } else {
            body = Body.BUFFERED;
            buffered = client.channel().alloc().compositeBuffer(64);
        }
    }

    /**
     * {@code LB_RATE_LIMIT}, keyed by the client's real address (behind a trusted proxy, the one it
     * added to X-Forwarded-For). A limited request is answered 429 once its (small) body is read, so
     * the connection stays usable; a large one is answered at once and the connection closed.
     */
    private boolean rateLimited(long length, boolean chunked) {
        if (services.rateLimiter() == null) {
            return false;
        }
        ForwardedHeaders.Client peer = client.forwardedClient();
        String address = peer.trusted() ? services.trustedProxies().clientAddress(peer.address(),
                ForwardedHeaders.joined(request.headers(), ForwardedHeaders.X_FORWARDED_FOR)) : peer.address();
        long wait = services.rateLimiter().acquire(address);
        if (wait == 0) {
            return false;
        }
        refuse(429, "too many requests from " + address + "; the limit is LB_RATE_LIMIT per client address",
                Long.toString(wait), length, chunked);
        return true;
    }

    /** Answered by the balancer itself once the (small) body is read; a large one at once, closing. */
    private void refuse(int code, String detail, String retryAfter, long length, boolean chunked) {
        body = Body.REFUSED;
        refusalStatus = code;
        refusal = detail;
        refusalRetryAfter = retryAfter;
        if (chunked || length > services.limits().retryBufferBytes()) {
            respond(code, refusal, refusalRetryAfter);
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

    /** The deadline of the whole exchange; event streams and WebSockets have none (only the idle timeout). */
    long deadline() {
        return line.eventStream() || line.webSocket() ? Long.MAX_VALUE : startNanos + (target == null ? services.idleNanos() : target.requestNanos());
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
        if (body == Body.REFUSED) {
            content.release();
            if (last) {
                requestComplete = true;
                respond(refusalStatus, refusal, refusalRetryAfter);
            }
            client.updateReading();
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
                request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
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
                request.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                HttpUtil.setContentLength(request, buffered.readableBytes());
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
        Backend chosen = target.strategy().select(available, null);
        if (chosen == null) {
            unavailable();
            return;
        }
        backend = chosen;
        attempts++;
        if (trace != null) {
            trace.attempt(backend, attempts, lastFailure, request.headers(), line.method());
        }
        attemptStart = System.nanoTime();
        attemptOpen = true;
        backend.begin();
        BackendConnections pool = client.loop().pool(backend);
        if (line.webSocket()) {
            pool.connectDedicated(this);
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
                if (buffered != null && buffered.isReadable()) {
                    bodySent = true;
                    channel.write(new DefaultHttpContent(buffered.retainedSlice()));
                    buffered.skipBytes(buffered.readableBytes());
                    buffered.discardReadComponents();
                }
                if (requestComplete) {
                    channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
                }
            }
        }
        channel.flush();
        client.updateReading();
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
            respond(failure.status, detail, failure == Failure.QUEUE_FULL ? "1" : null);
        } else if (attempts <= target.retries()) {
            dispatch();
        } else {
            respond(503, attemptsFailed() + "; no retry is left (LB_RETRIES)", target.retryAfterSeconds());
        }
    }

    private void unavailable() {
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
        client.upgrade(this, response, c.channel());
    }

    void backendWritabilityChanged() {
        client.updateReading();
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
            backend.end(System.nanoTime() - attemptStart, failed);
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
        long elapsed = System.nanoTime() - startNanos;
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
