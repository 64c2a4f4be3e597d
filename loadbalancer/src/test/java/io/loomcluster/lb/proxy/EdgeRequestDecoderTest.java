package io.loomcluster.lb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balancer's decoder against Netty's own: on valid requests, however they are split into reads,
 * both decode the same messages (the extra checks change nothing there); a folded header line or
 * whitespace before a colon is refused wherever the read boundaries fall, and never forwarded.
 */
class EdgeRequestDecoderTest {
    private static final HttpDecoderConfig CONFIG = new HttpDecoderConfig().setMaxHeaderSize(16 * 1024);

    @Property(tries = 300)
    void validRequestsDecodeExactlyAsNettysDecoderDoes(@ForAll("pipelines") List<String> requests,
                                                       @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 400) Integer> cuts) {
        byte[] bytes = String.join("", requests).getBytes(StandardCharsets.ISO_8859_1);

        List<String> ours = decode(new EdgeRequestDecoder(CONFIG), bytes, cuts);
        List<String> netty = decode(new HttpRequestDecoder(CONFIG), bytes, cuts);

        assertThat(ours).isEqualTo(netty);
        assertThat(ours).noneMatch(m -> m.startsWith("FAILED"));
    }

    @Property(tries = 300)
    void foldedLinesAndWhitespaceBeforeAColonAreRefusedWhateverTheReadBoundaries(
            @ForAll("pipelines") List<String> requests, @ForAll("refusedLines") String refused,
            @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 400) Integer> cuts) {
        // The refused form goes into the headers of the last request; those before it pass.
        String last = requests.getLast();
        int headersEnd = last.indexOf("\r\n") + 2;
        String bad = last.substring(0, headersEnd) + refused + last.substring(headersEnd);
        List<String> all = new ArrayList<>(requests.subList(0, requests.size() - 1));
        all.add(bad);

        List<String> decoded = decode(new EdgeRequestDecoder(CONFIG),
                String.join("", all).getBytes(StandardCharsets.ISO_8859_1), cuts);

        assertThat(decoded.stream().filter(m -> m.startsWith("REQUEST")).count()).isEqualTo(requests.size() - 1);
        assertThat(decoded).last().asString().startsWith("FAILED");
    }

    @Property(tries = 100)
    void bodyBytesThatLookLikeFoldedLinesAreNotMistakenForHeaders(@ForAll @IntRange(min = 1, max = 50) int cut) {
        String body = "a\r\n b:\r\n\tc : d\r\n";
        String request = "POST /x HTTP/1.1\r\nHost: lb\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                + "GET /next HTTP/1.1\r\nHost: lb\r\n\r\n";

        List<String> decoded = decode(new EdgeRequestDecoder(CONFIG), request.getBytes(StandardCharsets.ISO_8859_1),
                List.of(cut));

        assertThat(decoded).noneMatch(m -> m.startsWith("FAILED"));
        assertThat(decoded).filteredOn(m -> m.startsWith("REQUEST")).hasSize(2);
    }

    /** Feeds the bytes in pieces cut at the given offsets; describes every message decoded. */
    private static List<String> decode(HttpRequestDecoder decoder, byte[] bytes, List<Integer> cuts) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<String> messages = new ArrayList<>();
        int from = 0;
        for (int cut : cuts.stream().sorted().distinct().toList()) {
            if (cut > from && cut < bytes.length) {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, from, cut - from));
                from = cut;
            }
        }
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, from, bytes.length - from));
        StringBuilder body = new StringBuilder();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            try {
                if (msg instanceof HttpRequest request) {
                    messages.add(request.decoderResult().isFailure() ? "FAILED " + request.decoderResult().cause()
                            : "REQUEST " + request.method() + " " + request.uri() + " " + request.headers().entries());
                }
                if (msg instanceof HttpContent content) {
                    ByteBuf buf = content.content();
                    body.append(buf.toString(StandardCharsets.ISO_8859_1));
                    if (content.decoderResult().isFailure()) {
                        messages.add("FAILED content");
                    } else if (content instanceof LastHttpContent) {
                        messages.add("BODY " + body);
                        body.setLength(0);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        channel.finishAndReleaseAll();
        return messages;
    }

    @Provide
    Arbitrary<List<String>> pipelines() {
        Arbitrary<String> name = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz-").ofMinLength(1)
                .ofMaxLength(12).filter(n -> !n.equalsIgnoreCase("content-length")
                        && !n.equalsIgnoreCase("transfer-encoding"));
        Arbitrary<String> value = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30).map(String::trim);
        Arbitrary<String> header = Combinators.combine(name, value).as((n, v) -> n + ": " + v + "\r\n");
        Arbitrary<String> body = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40);
        Arbitrary<String> request = Combinators.combine(Arbitraries.of("GET", "POST", "PUT", "DELETE"),
                Arbitraries.strings().withChars("abc/123").ofMaxLength(10), header.list().ofMaxSize(5), body)
                .as((method, path, headers, b) -> method + " /" + path + " HTTP/1.1\r\nHost: lb\r\n"
                        + String.join("", headers) + (b.isEmpty() ? "" : "Content-Length: " + b.length() + "\r\n")
                        + "\r\n" + b);
        return request.list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<String> refusedLines() {
        return Arbitraries.of(
                "X-Folded: first\r\n second\r\n",
                "X-Folded: first\r\n\tsecond\r\n",
                "Transfer-Encoding:\r\n chunked\r\n",
                "Transfer-Encoding : chunked\r\n",
                "X-Name\t: value\r\n");
    }
}
