package io.loomcluster.lb.admin;

import io.loomcluster.lb.http.Problems;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The admin port's routes, declared in one place: {@code GET path -> body}, or a handler of its own
 * for streams. A new page is one more {@link #route} call in {@code LoadBalancer}. Every answer
 * carries a strict Content-Security-Policy: the admin pages load nothing but their own files.
 */
@ChannelHandler.Sharable
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A rendered response body and its content type. */
    public record Page(int status, String contentType, String body) {
    }

    /** A route that writes its response itself, e.g. an event stream; runs on the admin event loop. */
    public interface Stream {
        void open(ChannelHandlerContext ctx, FullHttpRequest request);
    }

    private final Map<String, Object> routes = new LinkedHashMap<>();

    public AdminHandler route(String path, Supplier<Page> page) {
        routes.put(path, page);
        return this;
    }

    public AdminHandler stream(String path, Stream stream) {
        routes.put(path, stream);
        return this;
    }

    /** The headers every admin answer carries. */
    public static void secure(HttpHeaders headers) {
        headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            send(ctx, request, Problems.response(ctx.alloc(), 400, "malformed request", null), true);
            return;
        }
        Object route = routes.get(new QueryStringDecoder(request.uri()).path());
        if (route == null) {
            send(ctx, request, Problems.response(ctx.alloc(), 404, "no such admin page; try "
                    + String.join(", ", routes.keySet()), null), false);
        } else if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            FullHttpResponse response = Problems.response(ctx.alloc(), 405, "admin pages are read with GET", null);
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, request, response, false);
        } else if (route instanceof Stream stream) {
            stream.open(ctx, request);
        } else {
            @SuppressWarnings("unchecked")
            Page page = ((Supplier<Page>) route).get();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(page.status()), ByteBufUtil.writeUtf8(ctx.alloc(), page.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, page.contentType())
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            send(ctx, request, response, false);
        }
    }

    /** Writes a complete answer, keeping the connection when the client wants it. */
    public static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponse response, boolean close) {
        secure(response.headers());
        boolean keepAlive = !close && HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
