package io.loomcluster.loadtest.lean;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The lean subscribers read ids, send times and typists from the bytes as the server frames them. */
class LeanParsingTest {
    private final Histogram latency = new Histogram(60_000_000L, 3);
    private final Typists typists = new Typists();

    @Test
    void sseEventsSplitAnywhereAcrossChunksAreCountedOnceEachAndRepeatsAreDuplicates() {
        SseSubscriber sse = new SseSubscriber("h", "/p", "c", latency, new LeanStats(), typists);
        EmbeddedChannel channel = new EmbeddedChannel(sse);
        channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        long sent = LeanClock.epochMicros() - 5_000;
        String longText = "x".repeat(3_000);
        String stream = "retry: 2000\n: connected\n\n"
                + event(7, sent, "short") + event(8, sent, longText) + event(8, sent, "again") + event(9, sent, "crlf")
                        .replace("\n", "\r\n");
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        // Chunks of 1, 2, 3 ... bytes: every line boundary falls inside, at the start and at the end of one.
        int at = 0;
        for (int size = 1; at < bytes.length; size++) {
            int n = Math.min(size, bytes.length - at);
            channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes, at, n)));
            at += n;
        }

        assertThat(sse.tally().received).isEqualTo(4);
        assertThat(sse.tally().duplicates).isEqualTo(1);
        assertThat(sse.tally().lastId).isEqualTo(9);
        assertThat(latency.getMinValue()).isGreaterThanOrEqualTo(5_000);
    }

    @Test
    void sseTypingEventsAreTimedFromTheTypistsLastSignal() {
        typists.sent("ann", LeanClock.epochMicros() - 2_000);
        SseSubscriber sse = new SseSubscriber("h", "/p", "c", latency, new LeanStats(), typists);
        EmbeddedChannel channel = new EmbeddedChannel(sse);
        channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer(
                "event: typing\ndata: {\"roomId\":1,\"username\":\"ann\",\"expiresInMs\":5000}\n\n", StandardCharsets.UTF_8)));

        assertThat(sse.tally().received).isEqualTo(1);
        assertThat(sse.tally().lastId).isEqualTo(-1);
        assertThat(latency.getMinValue()).isGreaterThanOrEqualTo(2_000);
    }

    @Test
    void webSocketFramesGiveTheirIdAndSendTime() {
        WsSubscriber ws = new WsSubscriber(latency, new LeanStats(), typists);
        EmbeddedChannel channel = new EmbeddedChannel(ws);
        long sent = LeanClock.epochMicros() - 3_000;
        channel.writeInbound(new TextWebSocketFrame("{\"type\":\"message\",\"position\":41,\"message\":{\"id\":41,\"text\":\"lean @t="
                + sent + " #0\"}}"));
        channel.writeInbound(new TextWebSocketFrame("{\"type\":\"message\",\"position\":41,\"message\":{\"id\":41,\"text\":\"lean @t="
                + sent + " #0\"}}"));
        channel.writeInbound(new TextWebSocketFrame("{\"type\":\"ack\",\"clientId\":\"c1\"}"));

        assertThat(ws.tally().received).isEqualTo(2);
        assertThat(ws.tally().duplicates).isEqualTo(1);
        assertThat(ws.tally().lastId).isEqualTo(41);
    }

    private static String event(long id, long sentMicros, String text) {
        return "id: " + id + "\nevent: message\ndata: {\"id\":" + id + ",\"text\":\"" + text + " @t=" + sentMicros + "\"}\n\n";
    }
}
