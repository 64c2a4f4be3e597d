package io.loomcluster.system.cluster;

import io.loomcluster.testing.Await;
import io.loomcluster.testing.BalancerProcess;
import io.loomcluster.testing.FreePorts;
import io.loomcluster.testing.TestCertificates;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app behind a TLS-terminating balancer, with no {@code ALLOWED_ORIGINS}: the balancer says
 * {@code X-Forwarded-Proto: https}, so the app works out {@code https://host:port} as its own
 * origin and a browser's POST from that page passes the Origin check, over h2 and HTTP/1.1; the
 * session cookie is {@code Secure} and answers carry {@code Strict-Transport-Security}.
 */
class HttpsThroughTheBalancerIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static BalancerProcess balancer;
    private static TestCertificates ca;
    private static int tlsPort;

    @BeforeAll
    static void startBalancer() {
        TestCluster cluster = TestCluster.shared();
        Path dir = cluster.logDir().resolve("https-lb-tls");
        ca = TestCertificates.authority("HttpsThroughTheBalancerIT CA");
        ca.issue("localhost", dir.resolve("cert.pem"), dir.resolve("key.pem"), "localhost", "127.0.0.1");
        tlsPort = FreePorts.pick();
        balancer = BalancerProcess.start("lb-https", Map.of("LB_DISCOVERY", "redis",
                "REDIS_URL", cluster.services().redisUrl(), "LB_REDIS_INTERVAL", "200ms", "LB_HEALTH_INTERVAL", "200ms",
                "LB_TLS_PORT", Integer.toString(tlsPort),
                "LB_TLS_CERT", dir.resolve("cert.pem").toAbsolutePath().toString(),
                "LB_TLS_KEY", dir.resolve("key.pem").toAbsolutePath().toString()), cluster.logDir());
        Await.until("an instance to be discovered and healthy", Duration.ofSeconds(30), () -> balancer.available() >= 1);
    }

    @AfterAll
    static void stopBalancer() {
        if (balancer != null) {
            balancer.close();
        }
    }

    private static int signUp(HttpClient.Version version, String origin) throws Exception {
        String resolved = origin.replace("{port}", Integer.toString(tlsPort));
        try (HttpClient client = HttpClient.newBuilder().version(version).sslContext(ca.clientContext()).build()) {
            HttpResponse<String> response = post(client, "/api/users", resolved, credentials(newUsername()));
            assertThat(response.version()).isEqualTo(version);
            return response.statusCode();
        }
    }

    private static HttpResponse<String> post(HttpClient client, String path, String origin, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tlsPort + path)).timeout(WAIT)
                        .header("Origin", origin).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String newUsername() {
        return "tls" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String credentials(String user) {
        return "{\"username\":\"" + user + "\",\"password\":\"correct horse battery\"}";
    }

    @Test
    void overTlsTheSessionCookieIsSecureAndAnswersCarryStrictTransportSecurity() throws Exception {
        String origin = "https://localhost:" + tlsPort;
        String user = newUsername();
        try (HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext()).build()) {
            HttpResponse<String> registered = post(client, "/api/users", origin, credentials(user));
            HttpResponse<String> login = post(client, "/api/session", origin, credentials(user));

            assertThat(registered.statusCode()).isEqualTo(201);
            assertThat(registered.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().allValues("Set-Cookie")).filteredOn(c -> c.startsWith("SESSION="))
                    .singleElement().asString().contains("; Secure").contains("HttpOnly");
        }
    }

    @Test
    void aPostFromTheHttpsPagePassesTheOriginCheckOverH2AndHttp11() throws Exception {
        assertThat(signUp(HttpClient.Version.HTTP_2, "https://localhost:{port}")).isEqualTo(201);
        assertThat(signUp(HttpClient.Version.HTTP_1_1, "https://localhost:{port}")).isEqualTo(201);
    }

    @Test
    void aPostFromAnotherOriginOrTheHttpVariantIsStillRefused() throws Exception {
        assertThat(signUp(HttpClient.Version.HTTP_2, "http://localhost:{port}")).isEqualTo(403);
        assertThat(signUp(HttpClient.Version.HTTP_2, "https://evil.example")).isEqualTo(403);
    }
}
