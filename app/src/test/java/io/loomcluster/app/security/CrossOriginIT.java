package io.loomcluster.app.security;

import io.loomcluster.testing.ApiClient;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

import static io.loomcluster.testing.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** State-changing requests from another origin are refused; CORS is off unless ALLOWED_ORIGINS lists an origin. */
class CrossOriginIT {
    private static final String PARTNER = "https://partner.example";
    private static final TestCluster cluster = TestCluster.shared();
    private static URI plain;
    private static URI withPartner;

    @BeforeAll
    static void start() {
        plain = cluster.appUrl(0);
        ManagedProcess partnerAware = cluster.startApp(Map.of("ALLOWED_ORIGINS", PARTNER + ",http://localhost:3000"));
        withPartner = TestCluster.baseUrl(partnerAware);
    }

    @Test
    void aPostFromAnotherOriginIsRefusedWith403AndChangesNothing() {
        ApiClient user = new ApiClient(plain).signUp("csrf");
        int before = roomCount(user);

        ApiClient.Response response = user.post("/api/rooms", json("name", "forged"), "Origin", "https://evil.example");

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("detail").asText()).contains("https://evil.example");
        assertThat(response.header("Access-Control-Allow-Origin")).isNull();
        assertThat(roomCount(user)).isEqualTo(before);
    }

    @Test
    void deleteAndGraphqlMutationsAreCoveredToo() {
        ApiClient user = new ApiClient(plain).signUp("csrfdel");
        long room = user.createRoom("kept");

        ApiClient.Response leave = user.send(user.builder("/api/rooms/" + room + "/members")
                .header("Origin", "https://evil.example").DELETE());
        ApiClient.Response logout = user.send(user.builder("/api/session").header("Origin", "null").DELETE());
        ApiClient.Response graphql = user.post("/graphql", json("query", "mutation { createRoom(name: \"forged\") { id } }"),
                "Origin", "http://evil.example");

        assertThat(leave.status()).isEqualTo(403);
        assertThat(logout.status()).isEqualTo(403);
        assertThat(graphql.status()).isEqualTo(403);
        assertThat(user.get("/api/session").status()).isEqualTo(200);
        assertThat(user.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(1);
    }

    @Test
    void theRequestsOwnOriginIsAccepted() {
        ApiClient user = new ApiClient(plain).signUp("sameorigin");

        ApiClient.Response direct = user.post("/api/rooms", json("name", "mine"),
                "Origin", "http://127.0.0.1:" + plain.getPort());
        // Behind the balancer (a trusted proxy): the origin the browser used is in X-Forwarded-Proto/-Host.
        ApiClient.Response proxied = user.post("/api/rooms", json("name", "mine too"),
                "Origin", "https://chat.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "chat.example.com");

        assertThat(direct.status()).isEqualTo(201);
        assertThat(proxied.status()).isEqualTo(201);
    }

    @Test
    void aForwardedHostDoesNotMatchAnotherSite() {
        ApiClient user = new ApiClient(plain).signUp("fwdhost");

        ApiClient.Response response = user.post("/api/rooms", json("name", "forged"),
                "Origin", "https://evil.example", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "chat.example.com");

        assertThat(response.status()).isEqualTo(403);
    }

    @Test
    void readsAndRequestsWithoutOriginAreUnaffected() {
        ApiClient user = new ApiClient(plain).signUp("noorigin");

        assertThat(user.send(user.builder("/api/rooms").header("Origin", "https://evil.example").GET()).status()).isEqualTo(200);
        assertThat(user.post("/api/rooms", json("name", "no origin header")).status()).isEqualTo(201);
    }

    @Test
    void refusedRequestsDoNotLeakInFlightSlots() {
        ApiClient user = new ApiClient(plain).signUp("leak");
        for (int i = 0; i < 300; i++) {
            assertThat(user.post("/api/rooms", json("name", "x"), "Origin", "https://evil.example").status()).isEqualTo(403);
        }
        assertThat(user.get("/api/rooms").status()).isEqualTo(200);
    }

    @Test
    void withoutAllowedOriginsThereAreNoCorsHeadersAndNoPreflight() {
        ApiClient.Response preflight = preflight(plain, PARTNER);

        assertThat(preflight.status()).isNotEqualTo(204).isLessThan(500);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void anAllowedOriginGetsPreflightAndCredentialedCors() {
        ApiClient.Response preflight = preflight(withPartner, PARTNER);
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(PARTNER);
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Idempotency-Key");

        ApiClient user = new ApiClient(withPartner).signUp("partner");
        ApiClient.Response created = user.post("/api/rooms", json("name", "from partner"), "Origin", PARTNER);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Access-Control-Allow-Origin")).isEqualTo(PARTNER);
        assertThat(created.header("Vary")).contains("Origin");
    }

    @Test
    void anUnlistedOriginGetsNoPreflightAndIsRefused() {
        ApiClient.Response preflight = preflight(withPartner, "https://evil.example");
        assertThat(preflight.status()).isEqualTo(403);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();

        ApiClient user = new ApiClient(withPartner).signUp("unlisted");
        assertThat(user.post("/api/rooms", json("name", "x"), "Origin", "https://evil.example").status()).isEqualTo(403);
    }

    private static ApiClient.Response preflight(URI base, String origin) {
        ApiClient anonymous = new ApiClient(base);
        return anonymous.send(anonymous.builder("/api/rooms")
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type, idempotency-key")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    }

    private static int roomCount(ApiClient user) {
        int count = 0;
        String cursor = "";
        while (true) {
            var page = user.get("/api/rooms?limit=100" + (cursor.isEmpty() ? "" : "&cursor=" + cursor)).json();
            count += page.get("items").size();
            if (page.get("next") == null || page.get("next").isNull()) {
                return count;
            }
            cursor = page.get("next").asText();
        }
    }
}
