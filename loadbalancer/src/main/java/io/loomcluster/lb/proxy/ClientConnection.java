package io.loomcluster.lb.proxy;

import io.loomcluster.lb.http.Problems;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: requests are taken one at a time (pipelined ones wait, a bounded number),
 * each becomes an {@link Exchange}. It is always read, so a client that goes away mid-exchange is
 * noticed at once; reading pauses only while a streamed request body waits for its backend. One
 * timer per connection enforces the header, idle and request timeouts.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    /** Pipelined messages held while a request is being answered; beyond this, reading pauses. */
    private static final int MAX_EARLY_MESSAGES = 64;
    /** After refusing a request whose body is still arriving, read and drop it this long before closing. */
    private static final long LINGER_MILLIS = 2000;
    private static final long LINGER_MAX_BYTES = 4L * 1024 * 1024;

    private final Loop loop;
    private final Services services;
    /** Null on an HTTP/2 stream, whose headers arrive whole and whose framing Netty's codec writes. */
    private final EdgeRequestDecoder decoder;
    private final EdgeResponseEncoder encoder;
    private final boolean secure;
    private Channel channel;
    private ForwardedHeaders.Client forwardedClient;
    /** The client may send {@code traceparent} ({@code LB_TRACE_TRUSTED}); decided once per connection. */
    private boolean traceTrusted;
    private Exchange current;
    /** A request refused while its (small) body is still arriving: the answer goes out once it is read. */
    private PendingRefusal refusing;
    private ArrayDeque<Object> early;
    private boolean closeAfterResponse;
    /** The response being written ends the connection (client asked, or its framing needs it). */
    private boolean closeAfterThis;
    private long lastActivity;
    private long headersStarted;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private Channel flushBackend;
    /** The connection is ending: the answer is out, what the client still sends is dropped. */
    private boolean lingering;
    private long lingered;

    private final Admission admission;

    ClientConnection(Loop loop, EdgeRequestDecoder decoder, EdgeResponseEncoder encoder, boolean secure) {
        this.loop = loop;
        this.services = loop.services;
        this.admission = new Admission(services);
        this.decoder = decoder;
        this.encoder = encoder;
        this.secure = secure;
    }

    /** A client connection speaking HTTP/1.x. */
    static ClientConnection http1(Loop loop, EdgeRequestDecoder decoder, EdgeResponseEncoder encoder, boolean secure) {
        return new ClientConnection(loop, decoder, encoder, secure);
    }

    /** One HTTP/2 stream (always over TLS), its frames converted to HTTP/1.1 objects before it. */
    static ClientConnection http2Stream(Loop loop) {
        return new ClientConnection(loop, null, null, true);
    }

    Channel channel() {
        return channel;
    }

    Loop loop() {
        return loop;
    }

    ForwardedHeaders.Client forwardedClient() {
        return forwardedClient;
    }

    boolean traceTrusted() {
        return traceTrusted;
    }

    void touch() {
        lastActivity = loop.ticker.nanoTime();
    }

    // Added after the channel became active when ALPN chose HTTP/1.1 on a TLS connection.
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            started(ctx.channel());
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        started(ctx.channel());
        ctx.fireChannelActive();
    }

    private void started(Channel ch) {
        if (channel != null) {
            return;
        }
        channel = ch;
        Peer peer = peer(ch);
        forwardedClient = peer.client();
        traceTrusted = peer.traceTrusted();
        loop.opened(this);
        touch();
        if (decoder != null) {
            arm(lastActivity + services.idleNanos());
        }
        // An HTTP/2 stream opens with its request's headers, whose exchange arms the timer; between
        // streams the connection's own timer (Http2Connection) watches.
    }

    /** Who the client is, worked out once per connection: an HTTP/2 connection's streams share it. */
    private record Peer(ForwardedHeaders.Client client, boolean traceTrusted) { }

    private static final AttributeKey<Peer> PEER = AttributeKey.valueOf("loom.peer");

    private Peer peer(Channel ch) {
        Channel connection = ch instanceof Http2StreamChannel ? ch.parent() : ch;
        Peer peer = connection.attr(PEER).get();
        if (peer == null) {
            String address = ClientChannels.clientAddress(connection);
            ForwardedHeaders.Client client = ForwardedHeaders.Client.of(address, secure,
                    services.trustedProxies().trusts(address));
            peer = new Peer(client, services.tracing().trusts(client.address()));
            connection.attr(PEER).set(peer);
        }
        return peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            if (msg instanceof HttpContent content) {
                lingered += content.content().readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (lingered > LINGER_MAX_BYTES) {
                ctx.close();
            }
            return;
        }
        if (current != null && current.requestComplete() || early != null && !early.isEmpty()) {
            holdEarly(msg);
        } else {
            handle(msg);
        }
    }

    private void handle(Object msg) {
        if (msg instanceof FullHttpRequest full) {
            // A whole request in one object (an HTTP/2 stream whose HEADERS end it, or a refused one):
            // the head and the end go the same way as a request read in parts.
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            onRequest(head);
            handle(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(request);
        } else if (msg instanceof HttpContent content) {
            Exchange exchange = current;
            if (exchange != null) {
                exchange.clientContent(content);
            } else if (refusing != null) {
                refusalContent(content);
            } else {
                content.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void holdEarly(Object msg) {
        if (early == null) {
            early = new ArrayDeque<>(4);
        }
        early.addLast(msg);
        if (early.size() >= MAX_EARLY_MESSAGES) {
            channel.config().setAutoRead(false);
        }
    }

    private void onRequest(HttpRequest request) {
        headersStarted = 0;
        long started = loop.ticker.nanoTime();
        RequestLine line = RequestLine.of(request);
        Verdict verdict = request.decoderResult().isFailure() ? Admission.malformed(request.decoderResult().cause())
                : admission.decide(request, RequestPath.of(request.uri()), forwardedClient, secure);
        switch (verdict) {
            case Verdict.Forward forward -> forward(request, line, forward);
            case Verdict.Refuse refuse -> refuse(request, line, refuse, started);
            case Verdict.Redirect redirect -> {
                ReferenceCountUtil.release(request);
                redirect(line, redirect, started);
            }
        }
    }

    private void forward(HttpRequest request, RequestLine line, Verdict.Forward forward) {
        if (HttpUtil.is100ContinueExpected(request)) {
            channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        Exchange exchange = new Exchange(this, request, line, forward, services);
        current = exchange;
        arm(Math.min(exchange.deadline(), lastActivity + services.idleNanos()));
        exchange.begin();
    }

    /**
     * Answers a refused request. With no body, or a small one it reads and drops first, the connection
     * stays open; a body that is chunked or larger than the retry buffer is not waited for: the answer
     * goes out at once and the connection closes (lingering while the client may still send).
     */
    private void refuse(HttpRequest request, RequestLine line, Verdict.Refuse refuse, long started) {
        boolean malformed = request.decoderResult().isFailure();
        BodyPlan body = malformed ? BodyPlan.NONE : BodyPlan.of(request);
        ReferenceCountUtil.release(request);
        if (refuse.close() || malformed || body.kind() == BodyPlan.Kind.CHUNKED
                || body.length() > services.limits().retryBufferBytes()) {
            answer(line, refuse, started, true, malformed || body.hasBody());
        } else if (!body.hasBody()) {
            // The decoder's (empty) last content follows and is dropped.
            refusing = new PendingRefusal(line, refuse, started);
        } else {
            refusing = new PendingRefusal(line, refuse, started);
            arm(started + services.headerNanos());
        }
    }

    private void refusalContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        boolean failed = content.decoderResult().isFailure();
        content.release();
        if (!last && !failed) {
            return;
        }
        PendingRefusal refusal = refusing;
        refusing = null;
        answer(refusal.line(), refusal.verdict(), refusal.started(), failed, false);
    }

    /** A refusal whose answer waits for the end of the request's small body. */
    private record PendingRefusal(RequestLine line, Verdict.Refuse verdict, long started) {
    }

    /** The balancer's own problem+json answer to a request no backend saw. */
    private void answer(RequestLine line, Verdict.Refuse refuse, long started, boolean close, boolean clientMaySend) {
        FullHttpResponse response = Problems.response(channel.alloc(), refuse.status(), refuse.detail(),
                line.requestId());
        if (refuse.retryAfter() != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, refuse.retryAfter());
        }
        boolean closing = close || closeAfterResponse || !line.keepAlive();
        if (closing) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        answeringHead(line.head());
        recordOwnAnswer(line, refuse.status(), started);
        if (closing) {
            closeAfter(channel.writeAndFlush(response), clientMaySend);
        } else {
            channel.writeAndFlush(response, channel.voidPromise());
            nextRequest();
        }
    }

    /** {@code LB_HTTPS_REDIRECT}; the connection closes after it: a body the client may still send is not wanted here. */
    private void redirect(RequestLine line, Verdict.Redirect redirect, long started) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.PERMANENT_REDIRECT);
        response.headers().set(HttpHeaderNames.LOCATION, redirect.location())
                .set(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        answeringHead(false);
        recordOwnAnswer(line, 308, started);
        closeAfter(channel.writeAndFlush(response), true);
    }

    private void recordOwnAnswer(RequestLine line, int status, long started) {
        long elapsed = loop.ticker.nanoTime() - started;
        services.metrics().record(null, status, elapsed);
        if (services.accessLog().enabled()) {
            services.accessLog().log(line.method(), line.target(), status, "-", 0, elapsed, line.requestId(), null);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        touch();
        if (current == null && refusing == null && decoder != null && decoder.hasPartialRequest()) {
            if (headersStarted == 0) {
                headersStarted = lastActivity;
                arm(headersStarted + services.headerNanos());
            }
        }
        flushBackend();
    }

    /** Body bytes written to a backend are flushed once per read of the client (or per batch of held messages). */
    void flushBackendLater(Channel backend) {
        flushBackend = backend;
    }

    private void flushBackend() {
        Channel backend = flushBackend;
        if (backend != null) {
            flushBackend = null;
            backend.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange exchange = current;
        if (exchange != null) {
            exchange.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        loop.closed(this);
        cancelTimer();
        Exchange exchange = current;
        current = null;
        refusing = null;
        if (exchange != null) {
            exchange.clientClosed();
        }
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and the like: channelInactive ends the exchange.
        ctx.close();
    }

    /** The backend of a streamed body can take more: what the client sent meanwhile goes on, then reading resumes. */
    void bodyWanted() {
        Exchange exchange = current;
        boolean took = false;
        while (exchange != null && exchange == current && early != null && !early.isEmpty() && takesMore()) {
            handle(early.pollFirst());
            took = true;
        }
        if (took) {
            // Not in a read of the client: what went to the backend is flushed here.
            flushBackend();
        }
        updateReading();
    }

    /**
     * Whether the next message read belongs to what is being handled now: a new request when none is,
     * the rest of the body of the one being forwarded (while its backend takes it) or refused.
     */
    private boolean takesMore() {
        if (lingering || closeAfterResponse && current == null) {
            return false;
        }
        Exchange exchange = current;
        if (exchange == null) {
            return true;
        }
        return !exchange.requestComplete() && exchange.wantsBody();
    }

    /** Pauses or resumes reading the client: only a streamed body waiting for its backend pauses it. */
    void updateReading() {
        Exchange exchange = current;
        boolean read = (exchange == null || exchange.wantsBody()) && (early == null || early.size() < MAX_EARLY_MESSAGES);
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    // ---- writing the answer

    void writeResponseHead(Exchange exchange, HttpResponse response) {
        // An answer that comes before the request's body is all in ends the connection: the client is told.
        closeAfterThis = ResponseHeaders.prepare(response, exchange.line, closeAfterResponse || !exchange.requestComplete());
        answeringHead(exchange.headRequest());
        channel.write(response);
    }

    void writeResponseContent(HttpContent content, BackendHandler from) {
        channel.write(content);
        from.flushClientLater(channel);
        if (!channel.isWritable()) {
            from.channel().config().setAutoRead(false);
        }
    }

    /** The last part of a response; then the next request, or the end of the connection. */
    void finishResponse(Exchange exchange, LastHttpContent last, boolean requestUnread) {
        boolean close = closeAfterThis || closeAfterResponse || requestUnread;
        if (close) {
            // The backend answered before the body was all here: the rest is read and dropped first.
            closeAfter(channel.writeAndFlush(last), requestUnread);
        } else {
            channel.writeAndFlush(last, channel.voidPromise());
        }
        exchangeDone(exchange, close);
    }

    /** An answer of the balancer's own (problem+json). */
    void respondProblem(Exchange exchange, int status, String detail, String retryAfter, boolean close) {
        FullHttpResponse response = Problems.response(channel.alloc(), status, detail, exchange.line.requestId(),
                exchange.traceId());
        if (retryAfter != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        boolean closing = close || closeAfterResponse || !exchange.requestComplete() || !exchange.line.keepAlive();
        if (closing) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        answeringHead(exchange.headRequest());
        if (closing) {
            closeAfter(channel.writeAndFlush(response), !exchange.requestComplete());
        } else {
            channel.writeAndFlush(response, channel.voidPromise());
        }
        exchangeDone(exchange, closing);
    }

    /** A response that cannot be completed: the client sees the connection end. */
    void cut(Exchange exchange) {
        exchangeDone(exchange, true);
        channel.flush();
        channel.close();
    }

    /** The backend accepted a WebSocket upgrade: from here the two connections are a byte relay. */
    void upgrade(Exchange exchange, HttpResponse response, Channel backend) {
        current = null;
        cancelTimer();
        loop.closed(this);
        answeringHead(false);
        channel.writeAndFlush(response);
        Relay.link(channel, backend, services.webSocketIdleNanos());
    }

    private void answeringHead(boolean head) {
        if (encoder != null) {
            encoder.answeringHead(head);
        }
    }

    /**
     * Closes once {@code written} is out. When the client may still be sending (a refused body),
     * the connection first lingers: closing with unread bytes would reset it, and the client could
     * lose the answer before reading it (RFC 9112, 9.6).
     */
    private void closeAfter(ChannelFuture written, boolean clientMaySend) {
        closeAfterResponse = true;
        if (!clientMaySend) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        lingering = true;
        cancelTimer();
        written.addListener(f -> {
            if (!f.isSuccess() || !(channel instanceof DuplexChannel duplex)) {
                channel.close();
                return;
            }
            duplex.shutdownOutput();
            channel.config().setAutoRead(true);
            channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private void exchangeDone(Exchange exchange, boolean closing) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (closing) {
            closeAfterResponse = true;
            return;
        }
        nextRequest();
    }

    /** The answer is out and the connection stays: the next request, if one was held, is taken up. */
    private void nextRequest() {
        while (early != null && !early.isEmpty() && takesMore()) {
            handle(early.pollFirst());
        }
        flushBackend();
        if (current == null || current.requestComplete() || !channel.config().isAutoRead()) {
            updateReading();
        }
        if (refusing == null) {
            arm(current == null ? lastActivity + services.idleNanos() : Math.min(current.deadline(),
                    lastActivity + services.idleNanos()));
        }
    }

    /** Shutdown: an idle connection closes now, a busy one after its response. */
    void drain() {
        closeAfterResponse = true;
        if (current == null && refusing == null) {
            channel.close();
        }
    }

    // ---- the one timer of the connection

    private void arm(long deadline) {
        if (timer != null) {
            if (deadline >= timerAt) {
                return;
            }
            timer.cancel(false);
        }
        timerAt = deadline;
        timer = channel.eventLoop().schedule(this::onTimer, Math.max(0, deadline - loop.ticker.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void onTimer() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        if (!channel.isActive()) {
            return;
        }
        long now = loop.ticker.nanoTime();
        long idleAt = lastActivity + services.idleNanos();
        Exchange exchange = current;
        if (exchange != null) {
            if (now >= exchange.deadline() || now >= idleAt) {
                exchange.timedOut();
            }
        } else if (refusing != null) {
            PendingRefusal refusal = refusing;
            if (now >= refusal.started() + services.headerNanos() || now >= idleAt) {
                // The small body of a refused request stopped arriving: the answer goes out now.
                refusing = null;
                answer(refusal.line(), refusal.verdict(), refusal.started(), true, true);
                return;
            }
        } else if (headersStarted != 0 && (now >= headersStarted + services.headerNanos() || now >= idleAt)) {
            answer(RequestLine.none(), Verdict.Refuse.closing(408, "the request headers did not arrive in time"),
                    headersStarted, true, true);
            return;
        } else if (now >= idleAt) {
            channel.close();
            return;
        }
        if (!channel.isActive() || closeAfterResponse && current == null) {
            return;
        }
        long next = lastActivity + services.idleNanos();
        if (current != null) {
            next = Math.min(next, current.deadline());
        } else if (refusing != null) {
            next = Math.min(next, refusing.started() + services.headerNanos());
        } else if (headersStarted != 0) {
            next = Math.min(next, headersStarted + services.headerNanos());
        }
        arm(Math.max(next, now + 1_000_000));
    }
}
