package io.loomcluster.lb.proxy;

import org.eclipse.jetty.io.Content;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads up to {@code limit} bytes of a request body before anything is sent to a backend. A body
 * that ends within the limit is complete: it can be sent twice (retry), and bad chunking in it is
 * rejected before any backend sees the request. A longer body yields its first part, and the rest
 * streams from the client ({@link PrefixedContent}).
 */
final class BodyPrefetch {

    /** What was read: the bytes, and whether they are the whole body. */
    record Result(ByteBuffer bytes, boolean complete) {
    }

    private final Content.Source source;
    private final int limit;
    private final Consumer<Result> onRead;
    private final Consumer<Throwable> onFailure;
    private byte[] buffer = new byte[1024];
    private int size;

    private BodyPrefetch(Content.Source source, int limit, Consumer<Result> onRead, Consumer<Throwable> onFailure) {
        this.source = source;
        this.limit = limit;
        this.onRead = onRead;
        this.onFailure = onFailure;
    }

    static void read(Content.Source source, int limit, Consumer<Result> onRead, Consumer<Throwable> onFailure) {
        new BodyPrefetch(source, limit, onRead, onFailure).run();
    }

    private void run() {
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(this::run);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                onFailure.accept(chunk.getFailure());
                return;
            }
            append(chunk.getByteBuffer());
            boolean last = chunk.isLast();
            chunk.release();
            if (last || size > limit) {
                onRead.accept(new Result(ByteBuffer.wrap(buffer, 0, size).slice(), last));
                return;
            }
        }
    }

    private void append(ByteBuffer bytes) {
        int n = bytes.remaining();
        if (size + n > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + n));
        }
        bytes.get(buffer, size, n);
        size += n;
    }
}
