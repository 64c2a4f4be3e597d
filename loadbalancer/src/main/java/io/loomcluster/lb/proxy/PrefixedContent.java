package io.loomcluster.lb.proxy;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;

import java.nio.ByteBuffer;

/** A request body to a backend: bytes already read by {@link BodyPrefetch}, then the rest from the client. */
final class PrefixedContent implements Request.Content {
    private final Content.Source rest;
    private final String contentType;
    private volatile ByteBuffer prefix;

    PrefixedContent(ByteBuffer prefix, Content.Source rest, String contentType) {
        this.prefix = prefix;
        this.rest = rest;
        this.contentType = contentType;
    }

    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public long getLength() {
        return -1;
    }

    @Override
    public Content.Chunk read() {
        ByteBuffer first = prefix;
        if (first != null) {
            prefix = null;
            return Content.Chunk.from(first, false);
        }
        return rest.read();
    }

    @Override
    public void demand(Runnable demandCallback) {
        if (prefix != null) {
            demandCallback.run();
        } else {
            rest.demand(demandCallback);
        }
    }

    @Override
    public void fail(Throwable failure) {
        prefix = null;
        rest.fail(failure);
    }

    @Override
    public boolean rewind() {
        return false;
    }
}
