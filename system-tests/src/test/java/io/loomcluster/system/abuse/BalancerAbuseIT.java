package io.loomcluster.system.abuse;

import io.loomcluster.chaos.*;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.RawHttp;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Hostile clients at the balancer: slow ones, too many connections, smuggling attempts, probes of the admin port. */
class BalancerAbuseIT {
    private final ChaosCluster cluster = SharedCluster.get();

    @AfterAll
    static void noBufferLeaked() {
        SharedCluster.assertNoLeaks();
    }
    private final LoomClient client = LoomClient.builder(cluster.url()).timeout(Duration.ofSeconds(10))
            .retry(RetryPolicy.NONE).build();

    @Test
    void clientsThatStopMidHeadersAreCutOffWhileOthersAreServed() throws IOException {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = RawHttp.connect(cluster.lbPort());
                s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: lb\r\nX-Slow: aaaa".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            for (int i = 0; i < 20; i++) {
                assertThat(client.send(Request.get("/health/live")).status()).isEqualTo(200);
            }
            for (Socket s : slow) {
                String answer = RawHttp.readUntilClosed(s, Duration.ofSeconds(30));
                assertThat(RawHttp.status(answer)).isIn(-1, 400, 408);
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void aBodyThatStopsHalfWayIsCutOffAndNeverReachesABackend() throws IOException {
        long before = backendRequests();
        try (Socket s = halfABody()) {
            assertThat(client.send(Request.get("/health/live")).status()).isEqualTo(200);

            RawHttp.readUntilClosed(s, Duration.ofSeconds(30));
        }
        // The one /health/live above went through; the half body did not.
        assertThat(backendRequests()).isEqualTo(before + 1);
    }

    @Test
    void aBodyThatStopsHalfWayIsAnsweredWithAClientError() throws IOException {
        try (Socket s = halfABody()) {
            String answer = RawHttp.readUntilClosed(s, Duration.ofSeconds(30));

            assertThat(RawHttp.status(answer)).as(answer).isEqualTo(408);
            assertThat(answer).contains("application/problem+json").contains("did not arrive in time")
                    .containsIgnoringCase("X-Content-Type-Options: nosniff");
        }
    }

    private Socket halfABody() throws IOException {
        Socket s = RawHttp.connect(cluster.lbPort());
        s.getOutputStream().write(("POST /api/rooms HTTP/1.1\r\nHost: lb\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\n\r\n{\"name\":").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // TE.CL: a back end that framed by Content-Length would read the chunk data as the next request.
            "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGET /smuggled HTTP/1.1\r\nHost: lb\r\n\r\n\r\n0\r\n\r\n",
            // CL.TE, the header order reversed.
            "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
            // obs-fold: a folded Transfer-Encoding, and a folded ordinary header.
            "Transfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
            "X-Folded: first\r\n second\r\nContent-Length: 0\r\n\r\n",
            // Whitespace before the colon.
            "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            // Unknown or stacked codings a back end might ignore.
            "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            // Two Content-Lengths that disagree, a signed one, and one with a list.
            "Content-Length: 0\r\nContent-Length: 44\r\n\r\n",
            "Content-Length: +3\r\n\r\nabc",
            "Content-Length: 3, 4\r\n\r\nabcd"})
    void smugglingAttemptsAreRefusedWith400AndNeverForwarded(String framing) {
        long before = backendRequests();

        String answer = RawHttp.exchange(cluster.lbPort(), "POST /api/rooms HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\n" + framing, Duration.ofSeconds(15));

        assertThat(RawHttp.status(answer)).as(answer).isEqualTo(400);
        assertThat(answer).contains("application/problem+json");
        assertThat(answer).doesNotContain("/smuggled");
        assertThat(backendRequests()).isEqualTo(before);
    }

    @Test
    void beyondMaxClientConnectionsNewConnectionsWaitUntilOneCloses() throws Exception {
        int limit = 4;
        String backends = cluster.apps().stream().map(a -> TestCluster.baseUrl(a).toString()).collect(Collectors.joining(","));
        try (BalancerProcess limited = BalancerProcess.start("lb-limited", Map.of("LB_BACKENDS", backends,
                "LB_MAX_CLIENT_CONNECTIONS", Integer.toString(limit), "LB_IDLE_TIMEOUT", SharedCluster.IDLE_TIMEOUT),
                Path.of("target", "it-logs"))) {
            int port = limited.port();
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < limit; i++) {
                    held.add(RawHttp.connect(port));
                }

                String answer = RawHttp.exchange(port, "GET /health/live HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n",
                        Duration.ofSeconds(60));

                assertThat(RawHttp.status(answer)).isEqualTo(200);
                // Served only once the balancer had closed a held (idle) connection: at least one is at its end.
                assertThat(held.stream().filter(BalancerAbuseIT::isClosedByPeer).count()).isPositive();
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void theAdminPortListensOnLoopbackOnly() throws IOException {
        List<String> adminListeners = listeningAddresses(cluster.adminPort());
        List<String> publicListeners = listeningAddresses(cluster.lbPort());

        assertThat(adminListeners).containsExactly("127.0.0.1");
        assertThat(publicListeners).isNotEmpty();

        Optional<InetAddress> external = nonLoopbackAddress();
        assumeTrue(external.isPresent(), "no non-loopback IPv4 address on this machine");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(external.get(), cluster.lbPort()), 2000);
        }
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(external.get(), cluster.adminPort()), 2000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @Test
    void appResponsesThroughTheBalancerCarrySecurityHeaders() {
        Reply response = client.send(Request.get("/api/rooms"));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(response.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(response.contentType()).isEqualTo("application/problem+json");
    }

    private static boolean isClosedByPeer(Socket socket) {
        try {
            socket.setSoTimeout(500);
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Local addresses of the sockets listening on a TCP port, from /proc/net/tcp and tcp6. */
    private static List<String> listeningAddresses(int port) throws IOException {
        List<String> found = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            // Read once: the table changes between two reads on a busy machine.
            List<String> lines = Files.readAllLines(path);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (f[3].equals("0A") && Integer.parseInt(local[1], 16) == port) {
                    found.add(decode(local[0]));
                }
            }
        }
        return found;
    }

    private static String decode(String hex) {
        if (hex.length() == 8) {
            long v = Long.parseLong(hex, 16);
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
        }
        if (hex.startsWith("0000000000000000FFFF0000")) {
            return decode(hex.substring(24)); // an IPv4-mapped address on a dual-stack socket
        }
        return hex.chars().allMatch(c -> c == '0') ? "::" : "ipv6:" + hex;
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    /** Requests the balancer has sent to backends so far (health checks not included). */
    private long backendRequests() {
        return cluster.balancer().backendRequests();
    }
}
