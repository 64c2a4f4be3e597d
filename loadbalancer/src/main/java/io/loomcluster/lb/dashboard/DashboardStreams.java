package io.loomcluster.lb.dashboard;

import io.loomcluster.lb.http.Problems;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /events}: Server-Sent Events, one JSON snapshot per event, to at most {@code max}
 * dashboards at once (more get 503). Writes are asynchronous; a stream whose previous event is still
 * being written skips events instead of queueing them, so a slow or stuck browser costs one buffer
 * and never holds a thread (the admin connector's idle timeout ends a stream that makes no progress).
 */
final class DashboardStreams implements Request.Handler {
    /** Browsers reconnect after this long when the stream breaks. */
    static final int RETRY_MILLIS = 2000;

    private final Semaphore slots;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private volatile ByteBuffer latest;

    DashboardStreams(int max) {
        this.slots = new Semaphore(max);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!slots.tryAcquire()) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
            Problems.write(response, callback, 503, "too many dashboards are open; close one and retry", null);
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Stream stream = new Stream(response, callback);
        streams.add(stream);
        ByteBuffer first = latest;
        String retry = "retry: " + RETRY_MILLIS + "\n\n";
        stream.offer(first == null ? utf8(retry) : concat(utf8(retry), first));
        return true;
    }

    /** Sends one snapshot to every open stream (and to streams opened before the next one). */
    void broadcast(String json) {
        ByteBuffer event = utf8("data: " + json + "\n\n").asReadOnlyBuffer();
        latest = event;
        for (Stream stream : streams) {
            stream.offer(event.duplicate());
        }
    }

    int open() {
        return streams.size();
    }

    private static ByteBuffer utf8(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuffer concat(ByteBuffer a, ByteBuffer b) {
        ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining());
        both.put(a.duplicate()).put(b.duplicate()).flip();
        return both;
    }

    /** One open event stream: at most one write outstanding. */
    private final class Stream implements Callback {
        private final Response response;
        private final Callback done;
        private final AtomicBoolean writing = new AtomicBoolean();

        Stream(Response response, Callback done) {
            this.response = response;
            this.done = done;
        }

        void offer(ByteBuffer event) {
            if (writing.compareAndSet(false, true)) {
                response.write(false, event, this);
            }
        }

        @Override
        public void succeeded() {
            writing.set(false);
        }

        @Override
        public void failed(Throwable cause) {
            // The browser went away (or the admin server stops): free the slot, end the exchange.
            if (streams.remove(this)) {
                slots.release();
            }
            done.failed(cause);
        }
    }
}
