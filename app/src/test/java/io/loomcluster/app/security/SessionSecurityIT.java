package io.loomcluster.app.security;

import io.loomcluster.client.Json;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
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
        Session client = TestUsers.at(TestCluster.baseUrl(secure));
        String name = TestUsers.uniqueUsername("secure");
        client.post("/api/users", Json.object("username", name, "password", TestUsers.PASSWORD));

        Reply login = client.login(name, TestUsers.PASSWORD);
        String cookie = login.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
        Reply logout = client.delete("/api/session");
        String cleared = logout.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();

        assertThat(cookie).contains("; Secure").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
        assertThat(cleared).contains("; Secure");
    }

    @Test
    void overHttpsThroughATrustedProxyTheCookieIsSecureAndStrictTransportSecurityIsSent() {
        URI instance = cluster.appUrl(0);

        Reply overHttps = register(forwardedAs(instance, "https"), "tlsproxy");
        Reply overHttp = register(forwardedAs(instance, "http"), "plainproxy");

        assertThat(sessionCookie(overHttps)).contains("; Secure");
        assertThat(overHttps.header("Strict-Transport-Security")).isEqualTo("max-age=31536000");
        assertThat(sessionCookie(overHttp)).doesNotContain("Secure");
        assertThat(overHttp.header("Strict-Transport-Security")).isNull();
    }

    @Test
    void aForwardedProtoFromAPeerThatIsNotATrustedProxyIsIgnored() {
        ManagedProcess untrusting = cluster.startApp(Map.of("TRUSTED_PROXIES", "10.0.0.0/8"));
        try {
            Reply login = register(forwardedAs(TestCluster.baseUrl(untrusting), "https"), "tlsforged");

            assertThat(sessionCookie(login)).doesNotContain("Secure");
            assertThat(login.header("Strict-Transport-Security")).isNull();
        } finally {
            untrusting.close();
        }
    }

    private static Session forwardedAs(URI instance, String proto) {
        return LoomClient.builder(instance).retry(RetryPolicy.NONE).header("X-Forwarded-Proto", proto)
                .header("X-Forwarded-For", "192.0.2." + (1 + (int) (Math.random() * 250))).build().anonymous();
    }

    /** Registers a fresh user and logs in: the login's reply. */
    private static Reply register(Session client, String prefix) {
        String name = TestUsers.uniqueUsername(prefix);
        assertThat(client.post("/api/users", Json.object("username", name, "password", TestUsers.PASSWORD)).status()).isEqualTo(201);
        return client.login(name, TestUsers.PASSWORD);
    }

    private static String sessionCookie(Reply reply) {
        return reply.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
    }

    @Test
    void aSessionIsNotAcceptedAfterItsIdleTimeout() {
        ManagedProcess shortLived = cluster.startApp(Map.of("SESSION_IDLE_TIMEOUT", "2s"));
        URI url = TestCluster.baseUrl(shortLived);
        Session client = TestUsers.signUp(url, "expiry");
        String session = client.cookie().orElseThrow();
        assertThat(client.get("/api/session").status()).isEqualTo(200);

        // Every use extends the session, so wait on Redis, not by asking the API.
        try (Jedis redis = new Jedis("127.0.0.1", cluster.services().redisPort())) {
            Await.until("the idle session to expire in Redis", Duration.ofSeconds(30),
                    () -> !redis.exists("loom:session:" + session));
        }

        Reply after = client.get("/api/session");
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.contentType()).isEqualTo("application/problem+json");
        assertThat(client.on(cluster.appUrl(0)).get("/api/session").status()).isEqualTo(401);
    }

    @Test
    void logoutEndsTheSessionOnEveryInstanceAndForEveryEndpoint() {
        Session onA = TestUsers.signUp(cluster.appUrl(0), "logout");
        long room = onA.createRoom("before logout").id();
        Session onB = onA.on(cluster.appUrl(1));

        assertThat(onA.delete("/api/session").status()).isEqualTo(204);

        assertThat(onB.get("/api/session").status()).isEqualTo(401);
        assertThat(onB.get("/api/rooms").status()).isEqualTo(401);
        assertThat(onB.post("/api/rooms/" + room + "/messages", Json.object("text", "after logout")).status()).isEqualTo(401);
        assertThat(onB.get("/api/rooms/" + room + "/messages?after=0").status()).isEqualTo(401);
    }
}
