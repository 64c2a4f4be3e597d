package io.loomcluster.lb.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who the client is and what it may take, with real client addresses: 127.0.0.0/8 is all loopback,
 * so each test's clients bind their own (127.0.0.2 is the trusted proxy; the others are clients).
 */
class EdgeLimitsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROXY = "127.0.0.2";
    private static BalancerFixture lb;

    @BeforeAll
    static void start() {
        lb = BalancerFixture.start("edge", Map.of(
                "LB_TRUSTED_PROXIES", PROXY + "/32",
                "LB_RATE_LIMIT", "3/m",
                "LB_RATE_BURST", "3",
                "LB_MAX_CONNECTIONS_PER_CLIENT", "2",
                "LB_CLIENT_LIMITS_EXEMPT", "none"));
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.balancer().assertNoLeaks();
            lb.close();
        }
    }

    private static Socket from(String local) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(local, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", lb.balancer().port()), 5000);
        return socket;
    }

    private static String get(String local, String extraHeaders) throws IOException {
        try (Socket socket = from(local)) {
            socket.getOutputStream().write(("GET /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n" + extraHeaders
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return RawHttp.readUntilClosed(socket, Duration.ofSeconds(20));
        }
    }

    private static JsonNode echoedHeaders(String response) throws IOException {
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("headers");
    }

    @Test
    void aTrustedProxysForwardingHeadersAreKeptAndExtended() throws IOException {
        String response = get(PROXY, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: shop.example\r\nForwarded: for=203.0.113.7;proto=https\r\n");

        assertThat(RawHttp.status(response)).isEqualTo(200);
        JsonNode headers = echoedHeaders(response);
        assertThat(headers.get("x-forwarded-for").get(0).asText()).isEqualTo("203.0.113.7, " + PROXY);
        assertThat(headers.get("x-forwarded-proto").get(0).asText()).isEqualTo("https");
        assertThat(headers.get("x-forwarded-host").get(0).asText()).isEqualTo("shop.example");
        assertThat(headers.get("forwarded").get(0).asText())
                .isEqualTo("for=203.0.113.7;proto=https, for=" + PROXY + ";proto=http;host=\"lb\"");
    }

    @Test
    void anyoneElsesForwardingHeadersAreReplaced() throws IOException {
        String response = get("127.0.0.3", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Host: shop.example\r\n");

        JsonNode headers = echoedHeaders(response);
        assertThat(headers.get("x-forwarded-for").get(0).asText()).isEqualTo("127.0.0.3");
        assertThat(headers.get("x-forwarded-proto").get(0).asText()).isEqualTo("http");
        assertThat(headers.get("x-forwarded-host").get(0).asText()).isEqualTo("lb");
    }

    @Test
    void eachClientAddressHasItsOwnRateLimitAnd429SaysWhenToRetry() throws IOException {
        for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.status(get("127.0.0.4", ""))).isEqualTo(200);
        }
        String limited = get("127.0.0.4", "");

        assertThat(RawHttp.status(limited)).isEqualTo(429);
        assertThat(limited).containsIgnoringCase("content-type: application/problem+json")
                .containsIgnoringCase("retry-after: 20").contains("LB_RATE_LIMIT");
        assertThat(RawHttp.status(get("127.0.0.5", ""))).isEqualTo(200);
    }

    @Test
    void aLimitedClientsKeepAliveConnectionStaysUsable() throws IOException {
        for (int i = 0; i < 3; i++) {
            get("127.0.0.8", "");
        }
        try (Socket socket = from("127.0.0.8")) {
            String two = "GET /echo HTTP/1.1\r\nHost: lb\r\n\r\nGET /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(two.getBytes(StandardCharsets.US_ASCII));
            String answers = RawHttp.readUntilClosed(socket, Duration.ofSeconds(20));
            assertThat(answers.split("HTTP/1.1 429", -1)).hasSize(3);
        }
    }

    @Test
    void behindATrustedProxyTheRateLimitIsPerRealClient() throws IOException {
        for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.status(get(PROXY, "X-Forwarded-For: 198.51.100.1\r\n"))).isEqualTo(200);
        }
        assertThat(RawHttp.status(get(PROXY, "X-Forwarded-For: 198.51.100.1\r\n"))).isEqualTo(429);
        assertThat(RawHttp.status(get(PROXY, "X-Forwarded-For: 198.51.100.2\r\n"))).isEqualTo(200);
    }

    @Test
    void anIpv6ClientIsRateLimitedByItsSlash64() throws IOException {
        for (int i = 1; i <= 3; i++) {
            assertThat(RawHttp.status(get(PROXY, "X-Forwarded-For: 2001:db8:9:9::" + i + "\r\n"))).isEqualTo(200);
        }
        assertThat(RawHttp.status(get(PROXY, "X-Forwarded-For: 2001:db8:9:9:ffff::4\r\n"))).isEqualTo(429);
        assertThat(RawHttp.status(get(PROXY, "X-Forwarded-For: 2001:db8:9:a::1\r\n"))).isEqualTo(200);
    }

    @Test
    void aClientMayHoldOnlyItsShareOfConnections() throws IOException {
        List<Socket> held = new ArrayList<>();
        try {
            // Each answered once, so both are surely open and counted.
            for (int i = 0; i < 2; i++) {
                Socket socket = from("127.0.0.6");
                held.add(socket);
                socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: lb\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(oneResponse(socket)).startsWith("HTTP/1.1 200");
            }
            try (Socket third = from("127.0.0.6")) {
                third.getOutputStream().write("GET /echo HTTP/1.1\r\nHost: lb\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(RawHttp.readUntilClosed(third, Duration.ofSeconds(20))).isEmpty();
            } catch (IOException reset) {
                // closed while writing: refused too
            }
            assertThat(RawHttp.status(get("127.0.0.7", ""))).isEqualTo(200);

            held.remove(0).close();
            Await.until("a connection from 127.0.0.6 to be served again", Duration.ofSeconds(20), () -> {
                try {
                    return RawHttp.status(get("127.0.0.6", "")) == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    /** One response with a Content-Length, read off a connection that stays open. */
    private static String oneResponse(Socket socket) throws IOException {
        socket.setSoTimeout(20_000);
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int body = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head + new String(in.readNBytes(body), StandardCharsets.ISO_8859_1);
    }
}
