package io.loomcluster.lb.tls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.FreePorts;
import io.loomcluster.testing.RawHttp;
import io.loomcluster.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS termination with real handshakes: the JDK HttpClient over HTTP/1.1 and h2, curl, nghttp and
 * h2load on one port; SSE and WebSocket over TLS; the certificate swapped under traffic; the
 * header deadline for clients trickling over TLS and h2; the redirect from plain HTTP.
 */
class TlsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Path DIR = Path.of("target", "it-tls", "tls-it");
    private static TestCertificates ca;
    private static BalancerFixture lb;
    private static int tlsPort;
    private static HttpClient h2;
    private static HttpClient h1;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(DIR);
        ca = TestCertificates.authority("TlsIT CA");
        ca.writeCa(DIR.resolve("ca.pem"));
        ca.issue("localhost", DIR.resolve("cert.pem"), DIR.resolve("key.pem"), "localhost", "127.0.0.1");
        tlsPort = FreePorts.pick();
        lb = BalancerFixture.start("tls", Map.of(
                "LB_TLS_PORT", Integer.toString(tlsPort),
                "LB_TLS_CERT", DIR.resolve("cert.pem").toAbsolutePath().toString(),
                "LB_TLS_KEY", DIR.resolve("key.pem").toAbsolutePath().toString(),
                "LB_TLS_RELOAD_INTERVAL", "100ms",
                "LB_HTTPS_REDIRECT", "true",
                "LB_HEADER_TIMEOUT", "1s"));
        h2 = client(HttpClient.Version.HTTP_2);
        h1 = client(HttpClient.Version.HTTP_1_1);
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.balancer().assertNoLeaks();
            lb.close();
        }
    }

    private static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(ca.clientContext())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static URI https(String pathAndQuery) {
        return URI.create("https://localhost:" + tlsPort + pathAndQuery);
    }

    private static HttpResponse<String> get(HttpClient client, String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(https(pathAndQuery)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void jdkClientSpeaksHttp2AndHttp11OnTheSamePortAndTheBackendSeesHttps() throws Exception {
        HttpResponse<String> overH2 = get(h2, "/echo?v=2");
        HttpResponse<String> overH1 = get(h1, "/echo?v=1");

        assertThat(overH2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(overH1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        for (HttpResponse<String> response : List.of(overH2, overH1)) {
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode headers = JSON.readTree(response.body()).get("headers");
            assertThat(headers.get("x-forwarded-proto").get(0).asText()).isEqualTo("https");
            assertThat(headers.get("forwarded").get(0).asText()).contains("proto=https");
            assertThat(headers.get("host").get(0).asText()).isEqualTo("localhost:" + tlsPort);
            assertThat(headers.has("x-http2-stream-id")).isFalse();
            assertThat(headers.has("x-http2-scheme")).isFalse();
        }
    }

    @Test
    void anH2RequestBodyReachesTheBackendWhole() throws Exception {
        String body = "x".repeat(200_000);
        HttpResponse<String> response = h2.send(HttpRequest.newBuilder(https("/echo")).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("bodyLength").asInt()).isEqualTo(200_000);
    }

    @Test
    void manyConcurrentH2StreamsOnOneConnectionAllSucceed() {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(h2.sendAsync(HttpRequest.newBuilder(https("/echo?i=" + i)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < sent.size(); i++) {
            HttpResponse<String> response = sent.get(i).join();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"query\":\"i=" + i + "\"");
        }
    }

    @Test
    void curlSpeaksBothProtocolsTrustingTheTestCa() throws Exception {
        assertThat(curl("--http2", "/echo")).startsWith("2 200");
        assertThat(curl("--http1.1", "/echo")).startsWith("1.1 200");
    }

    private static String curl(String protocol, String path) throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", protocol, "--cacert", DIR.resolve("ca.pem").toString(),
                "-o", "/dev/null", "-w", "%{http_version} %{http_code}", https(path).toString())
                .redirectErrorStream(true).start();
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void nghttpAndH2loadGetAnswersOverH2() throws Exception {
        String nghttp = run("nghttp", "-nv", "--no-verify-peer", https("/echo").toString());
        assertThat(nghttp).contains("The negotiated protocol: h2").containsPattern("recv \\(stream_id=\\d+\\) :status: 200");

        String h2load = run("h2load", "-n", "200", "-c", "2", "-m", "10", https("/echo").toString());
        assertThat(h2load).contains("Application protocol: h2").contains("200 succeeded");
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void serverSentEventsStreamOneByOneOverH2() throws Exception {
        HttpResponse<Stream<String>> response = h2.send(HttpRequest.newBuilder(https("/sse?count=2"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        Iterator<String> lines = response.body().iterator();
        assertThat(lines.next()).isEqualTo("id: 1");
        assertThat(lines.next()).isEqualTo("data: event 1");
        // The second event is only written once released: the first arrived on its own.
        lb.a().control("/control/next");
        lb.b().control("/control/next");
        assertThat(lines.next()).isEmpty();
        assertThat(lines.next()).isEqualTo("id: 2");
        response.body().close();
    }

    @Test
    void webSocketsWorkOverTls() throws Exception {
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebSocket socket = h1.newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + tlsPort + "/ws?room=1"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                }).get(20, TimeUnit.SECONDS);
        Await.until("the open message", WAIT, () -> !received.isEmpty());
        socket.sendText("over tls", true).join();
        Await.until("the echo", WAIT, () -> received.contains("over tls"));
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    }

    @Test
    void aNewCertificateIsUsedWithoutARestartAndNoRequestFailsMeanwhile() throws Exception {
        BigInteger before = servedSerial();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean fresh = t % 2 == 0;
            load.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    // Half the threads handshake for every request, so some handshakes straddle the swap.
                    HttpClient client = fresh ? client(HttpClient.Version.HTTP_2) : h2;
                    try {
                        int status = get(client, "/echo").statusCode();
                        if (status == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add("status " + status);
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    } finally {
                        if (fresh) {
                            client.close();
                        }
                    }
                }
            }));
        }
        try {
            Await.until("some traffic", WAIT, () -> ok.get() > 20);
            X509Certificate issued = ca.issue("localhost", DIR.resolve("cert.pem"), DIR.resolve("key.pem"),
                    "localhost", "127.0.0.1").certificate();
            Await.until("the new certificate to be served", WAIT, () -> servedSerial().equals(issued.getSerialNumber()));
            int after = ok.get();
            Await.until("traffic after the swap", WAIT, () -> ok.get() > after + 20);
        } finally {
            stop.set(true);
            for (Thread thread : load) {
                thread.join();
            }
        }
        assertThat(failures).isEmpty();
        assertThat(before).isNotEqualTo(servedSerial());
        assertThat(lb.balancer().status().get("tls").get("reloads").asInt()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aBrokenPairIsRefusedAndTheOldCertificateKept() throws Exception {
        BigInteger serving = servedSerial();
        int refused = lb.balancer().status().get("tls").get("refusedReloads").asInt();
        Path otherKey = DIR.resolve("other-key.pem");
        // A certificate with a key that is not its own (the files as a half-finished renewal leaves them).
        ca.issue("other", DIR.resolve("other-cert.pem"), otherKey, "localhost");
        byte[] cert = Files.readAllBytes(DIR.resolve("cert.pem"));
        byte[] key = Files.readAllBytes(DIR.resolve("key.pem"));
        try {
            Files.write(DIR.resolve("key.pem"), Files.readAllBytes(otherKey));
            Await.until("the reload to be refused", WAIT,
                    () -> lb.balancer().status().get("tls").get("refusedReloads").asInt() > refused);

            assertThat(servedSerial()).isEqualTo(serving);
            assertThat(get(client(HttpClient.Version.HTTP_2), "/echo").statusCode()).isEqualTo(200);
        } finally {
            Files.write(DIR.resolve("cert.pem"), cert);
            Files.write(DIR.resolve("key.pem"), key);
        }
    }

    /** The serial number of the certificate a new handshake gets. */
    private static BigInteger servedSerial() {
        try (HttpClient client = client(HttpClient.Version.HTTP_1_1)) {
            HttpResponse<String> response = get(client, "/health/live");
            return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aClientTricklingHeadersOverTlsIsCutAtTheDeadline() throws Exception {
        try (SSLSocket socket = tlsSocket("http/1.1")) {
            Thread trickle = trickle(socket.getOutputStream(),
                    "GET /echo HTTP/1.1\r\nHost: lb\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII), new byte[] {'a'});
            String answer = RawHttp.readUntilClosed(socket, WAIT);
            trickle.interrupt();

            assertThat(RawHttp.status(answer)).as(answer).isEqualTo(408);
        }
    }

    @Test
    void anH2ClientTricklingItsFirstFramesIsCutAtTheDeadline() throws Exception {
        try (SSLSocket socket = tlsSocket("h2")) {
            assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
            // A valid connection preface and SETTINGS, then PINGs, a byte at a time: never a request.
            ByteArrayOutputStream start = new ByteArrayOutputStream();
            start.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            start.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            byte[] ping = {0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
            Thread trickle = trickle(socket.getOutputStream(), start.toByteArray(), ping);
            InputStream in = socket.getInputStream();
            socket.setSoTimeout((int) WAIT.toMillis());
            byte[] buffer = new byte[4096];
            int n;
            try {
                while ((n = in.read(buffer)) >= 0) {
                    assertThat(n).isPositive();
                }
            } catch (java.net.SocketException closed) {
                // a reset is an end too
            }
            trickle.interrupt();
        }
    }

    /**
     * Writes {@code first} then {@code repeated} over and over, one byte every 100 ms, until
     * interrupted or the connection fails: there is always some activity, never a whole request.
     */
    private static Thread trickle(OutputStream out, byte[] first, byte[] repeated) {
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                    out.write(i < first.length ? first[i] : repeated[(i - first.length) % repeated.length]);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // closed by the balancer, or the test is done
            }
        });
    }

    private static SSLSocket tlsSocket(String protocol) throws IOException {
        SSLSocket socket = (SSLSocket) ca.clientContext().getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", tlsPort), 5000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    @Test
    void plainHttpIsRedirectedToHttpsExceptHealthPaths() {
        String answer = RawHttp.exchange(lb.balancer().port(), "POST /api/x?y=1 HTTP/1.1\r\nHost: example.test:8080\r\n"
                + "Content-Length: 0\r\n\r\n");
        assertThat(RawHttp.status(answer)).isEqualTo(308);
        assertThat(answer).contains("location: https://example.test:" + tlsPort + "/api/x?y=1");

        String health = RawHttp.exchange(lb.balancer().port(), "GET /health/live HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(RawHttp.status(health)).isEqualTo(200);
    }
}
