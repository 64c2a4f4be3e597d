package io.loomcluster.lb.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code LB_PROXY_PROTOCOL}: the client address a trusted proxy's v1 or v2 header carries becomes the client's. */
class ProxyProtocolIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] REQUEST = "GET /echo HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static BalancerFixture lb;

    @BeforeAll
    static void start() {
        lb = BalancerFixture.start("proxyproto", Map.of("LB_PROXY_PROTOCOL", "true", "LB_TRUSTED_PROXIES", "127.0.0.2"));
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.balancer().assertNoLeaks();
            lb.close();
        }
    }

    private static String send(String local, byte[] header) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", lb.balancer().port()), 5000);
            socket.getOutputStream().write(header);
            socket.getOutputStream().write(REQUEST);
            return RawHttp.readUntilClosed(socket, Duration.ofSeconds(20));
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    private static String forwardedFor(String response) throws IOException {
        assertThat(RawHttp.status(response)).as(response).isEqualTo(200);
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("headers")
                .get("x-forwarded-for").get(0).asText();
    }

    @Test
    void aVersion1HeaderFromATrustedProxyNamesTheClient() throws IOException {
        String response = send("127.0.0.2", "PROXY TCP4 203.0.113.9 127.0.0.1 50000 8080\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(forwardedFor(response)).isEqualTo("203.0.113.9");
    }

    @Test
    void aVersion2HeaderFromATrustedProxyNamesTheClient() throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        header.write(0x21); // version 2, PROXY
        header.write(0x11); // TCP over IPv4
        header.write(new byte[] {0, 12});
        header.write(new byte[] {(byte) 198, 51, 100, 4}); // source
        header.write(new byte[] {127, 0, 0, 1}); // destination
        header.write(new byte[] {(byte) 0xC3, 0x50, 0x1F, (byte) 0x90}); // ports 50000, 8080
        assertThat(forwardedFor(send("127.0.0.2", header.toByteArray()))).isEqualTo("198.51.100.4");
    }

    @Test
    void anUntrustedPeerIsNotHeardAtAll() throws IOException {
        String response = send("127.0.0.3", "PROXY TCP4 203.0.113.9 127.0.0.1 50000 8080\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(response).isEmpty();
    }

    @Test
    void aTrustedPeerWithoutAHeaderIsClosed() throws IOException {
        assertThat(send("127.0.0.2", new byte[0])).isEmpty();
    }
}
