package io.loomcluster.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;

/**
 * Netty's request decoder with the header forms it accepts but a proxy must refuse (RFC 9112, 5.1,
 * 5.2 and 6.3): a folded header line (obs-fold, which Netty joins into the previous value without a
 * trace), whitespace between a field name and its colon, and more than one Content-Length (in an
 * HTTP/1.0 request Netty keeps the first of conflicting lengths; a back end might take another).
 * All have been used to smuggle requests past proxies whose back ends read them differently.
 * Netty itself already refuses Content-Length with Transfer-Encoding, conflicting or signed lengths
 * in HTTP/1.1 and unknown codings.
 *
 * <p>The check looks at the raw header lines before Netty parses them. It does not frame anything:
 * it knows where a request's header block starts only from what the decoder emitted (a request
 * starts after the previous one's last content), and it stops at the empty line that ends the block.
 * Netty consumes header lines whole, so each call starts at a line boundary.
 */
final class EdgeRequestDecoder extends HttpRequestDecoder {
    /** The bytes at the reader index belong to a request line or header block. */
    private boolean inHeaders = true;
    /** Complete lines of the current request already checked (the request line included). */
    private int lines;
    /** Content-Length fields seen in the current header block. */
    private int lengths;
    private boolean rejected;

    EdgeRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (rejected) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (inHeaders) {
            String problem = check(buffer);
            if (problem != null) {
                rejected = true;
                buffer.skipBytes(buffer.readableBytes());
                out.add(invalid(problem));
                return;
            }
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            Object decoded = out.get(i);
            if (decoded instanceof HttpMessage) {
                inHeaders = false;
                lines = 0;
                lengths = 0;
            }
            if (decoded instanceof LastHttpContent) {
                inHeaders = true;
            }
        }
    }

    /** Part of a request's line or headers has arrived, the rest not yet. */
    boolean hasPartialRequest() {
        return inHeaders && (lines > 0 || internalBuffer().isReadable());
    }

    /** The first refused form in the complete lines of the header block, or null. */
    private String check(ByteBuf buffer) {
        int i = buffer.readerIndex();
        int end = buffer.writerIndex();
        while (i < end) {
            int lf = buffer.indexOf(i, end, (byte) '\n');
            if (lf < 0) {
                return null;
            }
            int lineEnd = lf > i && buffer.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (lineEnd == i) {
                if (lines > 0) {
                    return null; // the end of the header block: what follows is body or the next request
                }
            } else {
                if (lines > 0) {
                    byte first = buffer.getByte(i);
                    if (first == ' ' || first == '\t') {
                        return "folded header line (obs-fold)";
                    }
                    int colon = buffer.indexOf(i, lineEnd, (byte) ':');
                    if (colon > i && isBlank(buffer.getByte(colon - 1))) {
                        return "whitespace between a header name and its colon";
                    }
                    if (colon - i == CONTENT_LENGTH.length() && isContentLength(buffer, i)
                            && (++lengths > 1 || buffer.indexOf(colon, lineEnd, (byte) ',') >= 0)) {
                        return "more than one Content-Length";
                    }
                }
                lines++;
            }
            i = lf + 1;
        }
        return null;
    }

    private static final String CONTENT_LENGTH = "content-length";

    private static boolean isContentLength(ByteBuf buffer, int at) {
        for (int k = 0; k < CONTENT_LENGTH.length(); k++) {
            int b = buffer.getByte(at + k);
            if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != CONTENT_LENGTH.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static FullHttpRequest invalid(String problem) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request",
                Unpooled.EMPTY_BUFFER);
        request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
        return request;
    }
}
