package io.loomcluster.lb.proxy;

import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.lb.testing.RawConnection;
import io.loomcluster.lb.testing.RecordingBackend;
import io.loomcluster.lb.testing.RecordingBackend.Received;
import io.loomcluster.testing.BalancerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The framing of a forwarded request is the balancer's to state, whatever the client lists in
 * {@code Connection}: a body reaches the backend with exactly the length the client framed, on a
 * connection that then carries the next request and nothing else. The backend is a raw socket that
 * parses strictly ({@link RecordingBackend}); the balancer runs with its default limits, so bodies
 * above the retry buffer (64 KiB) are streamed.
 */
class FramingIT {
    private static RecordingBackend backend;
    private static BalancerProcess balancer;

    @BeforeAll
    static void start() {
        backend = RecordingBackend.start();
        balancer = BalancerFixture.balancer("framing-lb", Map.of("LB_BACKENDS", backend.url().toString()));
        balancer.awaitState(backend.url(), "healthy");
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.assertNoLeaks();
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void forget() {
        backend.clear();
    }

    /** A body that a backend reading it as more requests would act on: what a smuggler hides there. */
    private static String hostileBody(int length) {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n";
        StringBuilder body = new StringBuilder(length);
        while (body.length() < length) {
            body.append(smuggled);
        }
        body.setLength(length);
        return body.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"content-length", "keep-alive, Content-Length", "Content-Length, keep-alive", "CONTENT-LENGTH"})
    void aConnectionHeaderNamingContentLengthCannotUnframeALargeBody(String connection) {
        assertBodyArrivesWhole(connection, 70_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"content-length", "keep-alive, Content-Length"})
    void aConnectionHeaderNamingContentLengthCannotUnframeASmallBody(String connection) {
        assertBodyArrivesWhole(connection, 1_000);
    }

    private void assertBodyArrivesWhole(String connection, int length) {
        String body = hostileBody(length);
        try (RawConnection client = RawConnection.open(balancer.port())) {
            client.send("POST /framing/1 HTTP/1.1\r\nHost: lb\r\nConnection: " + connection + "\r\nContent-Length: "
                    + length + "\r\n\r\n" + body);
            RawConnection.Response first = client.read();
            client.send("GET /framing/2 HTTP/1.1\r\nHost: lb\r\n\r\n");
            RawConnection.Response second = client.read();

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("X-Oracle-Body-Length")).isEqualTo(Integer.toString(length));
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.header("X-Oracle-Target")).isEqualTo("/framing/2");
        }
        assertThat(backend.violations()).isEmpty();
        List<Received> received = backend.received();
        assertThat(received).extracting(Received::target).containsExactly("/framing/1", "/framing/2");
        assertThat(new String(received.get(0).body(), StandardCharsets.ISO_8859_1)).isEqualTo(body);
        assertThat(received.get(1).body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000, 70_000, 200_000})
    void aConnectionHeaderNamingTransferEncodingCannotUnframeAChunkedBody(int length) {
        String body = hostileBody(length);
        StringBuilder chunks = new StringBuilder();
        for (int at = 0; at < length; at += 8192) {
            String chunk = body.substring(at, Math.min(length, at + 8192));
            chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        chunks.append("0\r\n\r\n");
        try (RawConnection client = RawConnection.open(balancer.port())) {
            client.send("POST /framing/3 HTTP/1.1\r\nHost: lb\r\nConnection: keep-alive, Transfer-Encoding\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + chunks);
            assertThat(client.read().header("X-Oracle-Body-Length")).isEqualTo(Integer.toString(length));
            client.send("GET /framing/4 HTTP/1.1\r\nHost: lb\r\n\r\n");
            assertThat(client.read().header("X-Oracle-Target")).isEqualTo("/framing/4");
        }
        assertThat(backend.violations()).isEmpty();
        assertThat(backend.received()).extracting(Received::target).containsExactly("/framing/3", "/framing/4");
        assertThat(new String(backend.received().get(0).body(), StandardCharsets.ISO_8859_1)).isEqualTo(body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", "keep-alive, Host", "upgrade", "te", "trailer", "TE, Trailer, Upgrade"})
    void aConnectionHeaderNamingOtherHeadersDoesNotBreakTheRequest(String connection) {
        try (RawConnection client = RawConnection.open(balancer.port())) {
            client.send("POST /framing/5 HTTP/1.1\r\nHost: lb.example\r\nConnection: " + connection
                    + "\r\nTE: trailers\r\nTrailer: X-Checksum\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello");
            RawConnection.Response response = client.read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("X-Oracle-Body-Length")).isEqualTo("5");
        }
        assertThat(backend.violations()).isEmpty();
        Received received = backend.received().get(0);
        assertThat(received.header("host")).isEqualTo("lb.example");
        assertThat(received.header("te")).isNull();
        assertThat(received.header("trailer")).isNull();
        assertThat(received.header("upgrade")).isNull();
        assertThat(new String(received.body(), StandardCharsets.ISO_8859_1)).isEqualTo("hello");
    }
}
