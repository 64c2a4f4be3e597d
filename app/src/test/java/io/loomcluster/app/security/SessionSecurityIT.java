package io.loomcluster.app.security;

import io.loomcluster.testing.ApiClient;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Cookie flags and session expiry, each on an instance started with the setting under test. */
class SessionSecurityIT {
    private final TestCluster cluster = TestCluster.shared();

    @Test
    void withCookieSecureTheSessionCookieIsSecureHttpOnlyAndSameSiteLax() {
        ManagedProcess secure = cluster.startApp(Map.of("COOKIE_SECURE", "true"));
        ApiClient client = new ApiClient(TestCluster.baseUrl(secure));
        String name = ApiClient.uniqueUsername("secure");
        client.post("/api/users", ApiClient.json("username", name, "password", ApiClient.PASSWORD));

        ApiClient.Response login = client.login(name, ApiClient.PASSWORD);
        String cookie = login.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
        ApiClient.Response logout = client.delete("/api/session");
        String cleared = logout.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();

        assertThat(cookie).contains("; Secure").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
        assertThat(cleared).contains("; Secure");
    }

    @Test
    void aSessionIsNotAcceptedAfterItsIdleTimeout() {
        ManagedProcess shortLived = cluster.startApp(Map.of("SESSION_IDLE_TIMEOUT", "2s"));
        URI url = TestCluster.baseUrl(shortLived);
        ApiClient client = new ApiClient(url).signUp("expiry");
        String session = client.session().orElseThrow();
        assertThat(client.get("/api/session").status()).isEqualTo(200);

        // Every use extends the session, so wait on Redis, not by asking the API.
        try (Jedis redis = new Jedis("127.0.0.1", cluster.services().redisPort())) {
            Await.until("the idle session to expire in Redis", Duration.ofSeconds(30),
                    () -> !redis.exists("loom:session:" + session));
        }

        ApiClient.Response after = client.get("/api/session");
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.contentType()).isEqualTo("application/problem+json");
        assertThat(client.on(cluster.appUrl(0)).get("/api/session").status()).isEqualTo(401);
    }

    @Test
    void logoutEndsTheSessionOnEveryInstanceAndForEveryEndpoint() {
        ApiClient onA = new ApiClient(cluster.appUrl(0)).signUp("logout");
        long room = onA.createRoom("before logout");
        ApiClient onB = onA.on(cluster.appUrl(1));

        assertThat(onA.delete("/api/session").status()).isEqualTo(204);

        assertThat(onB.get("/api/session").status()).isEqualTo(401);
        assertThat(onB.get("/api/rooms").status()).isEqualTo(401);
        assertThat(onB.post("/api/rooms/" + room + "/messages", ApiClient.json("text", "after logout")).status()).isEqualTo(401);
        assertThat(onB.get("/api/rooms/" + room + "/messages?after=0").status()).isEqualTo(401);
    }
}
