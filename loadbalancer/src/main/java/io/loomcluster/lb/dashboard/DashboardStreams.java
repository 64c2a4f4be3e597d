package io.loomcluster.lb.dashboard;

import io.loomcluster.lb.admin.AdminHandler;
import io.loomcluster.lb.http.Problems;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /events}: Server-Sent Events, one JSON snapshot per event, to at most {@code max}
 * dashboards at once (more get 503). Everything here runs on the admin port's one event loop. A
 * stream whose previous event is still being written skips events instead of queueing them, so a
 * slow or stuck browser costs one buffer; the admin port's idle timeout ends one that makes no
 * progress. A closed stream frees its slot at once.
 */
final class DashboardStreams implements AdminHandler.Stream {
    /** Browsers reconnect after this long when the stream breaks. */
    static final int RETRY_MILLIS = 2000;

    private final int max;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private byte[] latest;

    DashboardStreams(int max) {
        this.max = max;
    }

    @Override
    public void open(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (streams.size() >= max) {
            FullHttpResponse refused = Problems.response(ctx.alloc(), 503,
                    "too many dashboards are open; close one and retry", null);
            refused.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            AdminHandler.send(ctx, request, refused, false);
            return;
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        AdminHandler.secure(response.headers());
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        Channel channel = ctx.channel();
        Stream stream = new Stream(channel);
        streams.add(stream);
        channel.closeFuture().addListener(f -> streams.remove(stream));
        channel.write(response);
        byte[] retry = ("retry: " + RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.UTF_8);
        stream.offer(latest == null ? retry : concat(retry, latest));
    }

    /** Sends one snapshot to every open stream (and to streams opened before the next one). */
    void broadcast(String json) {
        byte[] event = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
        latest = event;
        for (Stream stream : streams) {
            stream.offer(event);
        }
    }

    int open() {
        return streams.size();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** One open event stream: at most one write outstanding. */
    private static final class Stream {
        private final Channel channel;
        private boolean writing;

        Stream(Channel channel) {
            this.channel = channel;
        }

        void offer(byte[] event) {
            if (writing || !channel.isActive()) {
                return;
            }
            writing = true;
            ByteBuf bytes = Unpooled.wrappedBuffer(event);
            channel.writeAndFlush(new DefaultHttpContent(bytes)).addListener(f -> {
                writing = false;
                if (!f.isSuccess()) {
                    channel.close();
                }
            });
        }
    }
}
