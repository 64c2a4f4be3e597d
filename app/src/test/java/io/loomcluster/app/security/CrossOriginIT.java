package io.loomcluster.app.security;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

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
        Session user = TestUsers.signUp(plain, "csrf");
        int before = roomCount(user);

        Reply response = user.post("/api/rooms", Json.object("name", "forged"), "Origin", "https://evil.example");

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("detail").asText()).contains("https://evil.example");
        assertThat(response.header("Access-Control-Allow-Origin")).isNull();
        assertThat(roomCount(user)).isEqualTo(before);
    }

    @Test
    void deleteAndGraphqlMutationsAreCoveredToo() {
        Session user = TestUsers.signUp(plain, "csrfdel");
        long room = user.createRoom("kept").id();

        Reply leave = user.send(Request.delete("/api/rooms/" + room + "/members")
                .header("Origin", "https://evil.example"));
        Reply logout = user.send(Request.delete("/api/session").header("Origin", "null"));
        Reply graphql = user.post("/graphql", Json.object("query", "mutation { createRoom(name: \"forged\") { id } }"),
                "Origin", "http://evil.example");

        assertThat(leave.status()).isEqualTo(403);
        assertThat(logout.status()).isEqualTo(403);
        assertThat(graphql.status()).isEqualTo(403);
        assertThat(user.get("/api/session").status()).isEqualTo(200);
        assertThat(user.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(1);
    }

    @Test
    void theRequestsOwnOriginIsAccepted() {
        Session user = TestUsers.signUp(plain, "sameorigin");

        Reply direct = user.post("/api/rooms", Json.object("name", "mine"),
                "Origin", "http://127.0.0.1:" + plain.getPort());
        // Behind the balancer (a trusted proxy): the origin the browser used is in X-Forwarded-Proto/-Host.
        Reply proxied = user.post("/api/rooms", Json.object("name", "mine too"),
                "Origin", "https://chat.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "chat.example.com");

        assertThat(direct.status()).isEqualTo(201);
        assertThat(proxied.status()).isEqualTo(201);
    }

    @Test
    void aForwardedHostDoesNotMatchAnotherSite() {
        Session user = TestUsers.signUp(plain, "fwdhost");

        Reply response = user.post("/api/rooms", Json.object("name", "forged"),
                "Origin", "https://evil.example", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "chat.example.com");

        assertThat(response.status()).isEqualTo(403);
    }

    @Test
    void readsAndRequestsWithoutOriginAreUnaffected() {
        Session user = TestUsers.signUp(plain, "noorigin");

        assertThat(user.send(Request.get("/api/rooms").header("Origin", "https://evil.example")).status()).isEqualTo(200);
        assertThat(user.post("/api/rooms", Json.object("name", "no origin header")).status()).isEqualTo(201);
    }

    @Test
    void refusedRequestsDoNotLeakInFlightSlots() {
        Session user = TestUsers.signUp(plain, "leak");
        for (int i = 0; i < 300; i++) {
            assertThat(user.post("/api/rooms", Json.object("name", "x"), "Origin", "https://evil.example").status()).isEqualTo(403);
        }
        assertThat(user.get("/api/rooms").status()).isEqualTo(200);
    }

    @Test
    void withoutAllowedOriginsThereAreNoCorsHeadersAndNoPreflight() {
        Reply preflight = preflight(plain, PARTNER);

        assertThat(preflight.status()).isNotEqualTo(204).isLessThan(500);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void anAllowedOriginGetsPreflightAndCredentialedCors() {
        Reply preflight = preflight(withPartner, PARTNER);
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(PARTNER);
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Idempotency-Key");

        Session user = TestUsers.signUp(withPartner, "partner");
        Reply created = user.post("/api/rooms", Json.object("name", "from partner"), "Origin", PARTNER);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Access-Control-Allow-Origin")).isEqualTo(PARTNER);
        assertThat(created.header("Vary")).contains("Origin");
    }

    @Test
    void anUnlistedOriginGetsNoPreflightAndIsRefused() {
        Reply preflight = preflight(withPartner, "https://evil.example");
        assertThat(preflight.status()).isEqualTo(403);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();

        Session user = TestUsers.signUp(withPartner, "unlisted");
        assertThat(user.post("/api/rooms", Json.object("name", "x"), "Origin", "https://evil.example").status()).isEqualTo(403);
    }

    private static Reply preflight(URI base, String origin) {
        Session anonymous = TestUsers.at(base);
        return anonymous.send(Request.of("OPTIONS", "/api/rooms")
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type, idempotency-key"));
    }

    private static int roomCount(Session user) {
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
