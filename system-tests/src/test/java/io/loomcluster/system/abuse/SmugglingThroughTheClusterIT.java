package io.loomcluster.system.abuse;

import io.loomcluster.chaos.ChaosCluster;
import io.loomcluster.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-smuggling finding through the real balancer and real instances: a body whose framing
 * header the client names in {@code Connection}, above the balancer's 64 KiB buffering threshold,
 * must reach an instance framed, so the instance sees one request with a body (and answers it, here
 * with its own 413 for a body over 64 KiB), never a bodiless request followed by the body's bytes read
 * as requests the balancer never checked.
 */
class SmugglingThroughTheClusterIT {
    private final ChaosCluster cluster = SharedCluster.get();

    @AfterAll
    static void noBufferLeaked() {
        SharedCluster.assertNoLeaks();
    }

    private static String hostileJson(int length) {
        StringBuilder body = new StringBuilder("{\"name\":\"");
        String smuggled = "\r\nGET /metrics HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n";
        while (body.length() < length - 2) {
            body.append(smuggled.replace("\r\n", "\\r\\n"));
        }
        body.setLength(length - 2);
        return body.append("\"}").toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"content-length", "keep-alive, Content-Length"})
    void aBodyWhoseLengthIsNamedInConnectionReachesTheInstanceWithItsLength(String connection) {
        String body = hostileJson(70_000);
        String answer = RawHttp.exchange(cluster.lbPort(), "POST /api/users HTTP/1.1\r\nHost: lb\r\nConnection: " + connection
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body,
                Duration.ofSeconds(20));

        // The instance saw the length: its own limit answers, not a 400 for a request without a body.
        assertThat(RawHttp.status(answer)).as(answer.lines().findFirst().orElse("")).isEqualTo(413);
        assertThat(answer).containsIgnoringCase("X-Instance-Id:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"transfer-encoding", "keep-alive, Transfer-Encoding"})
    void aChunkedBodyWhoseCodingIsNamedInConnectionReachesTheInstanceChunked(String connection) {
        String body = hostileJson(70_000);
        StringBuilder chunks = new StringBuilder();
        for (int at = 0; at < body.length(); at += 8192) {
            String chunk = body.substring(at, Math.min(body.length(), at + 8192));
            chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        String answer = RawHttp.exchange(cluster.lbPort(), "POST /api/users HTTP/1.1\r\nHost: lb\r\nConnection: " + connection
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n",
                Duration.ofSeconds(20));

        assertThat(RawHttp.status(answer)).as(answer.lines().findFirst().orElse("")).isEqualTo(413);
        assertThat(answer).containsIgnoringCase("X-Instance-Id:");
    }
}
