package io.loomcluster.app.sessions;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SessionsAcrossInstancesIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void sessionMadeOnOneInstanceWorksOnTheOtherAndLogoutThereEndsItEverywhere() {
        Session onA = TestUsers.signUp(a, "across");
        Session onB = onA.on(b);

        Reply meOnB = onB.get("/api/session");
        assertThat(meOnB.status()).isEqualTo(200);
        assertThat(meOnB.json().get("username").asText()).isEqualTo(onA.username());
        assertThat(meOnB.header("X-Instance-Id")).isNotEqualTo(onA.get("/api/session").header("X-Instance-Id"));

        assertThat(onB.delete("/api/session").status()).isEqualTo(204);

        // Instance a had the session cached; it drops it when b's announcement arrives (SessionStore),
        // which a busy machine may deliver after the next request.
        Session stale = TestUsers.at(a);
        stale.useCookie(onA.cookie().orElseThrow());
        Await.until("instance a to drop the session logged out on b", Duration.ofSeconds(5),
                () -> stale.get("/api/session").status() == 401);
    }

    @Test
    void loginRotatesTheSessionIdAndTheOldIdStopsWorking() {
        Session client = TestUsers.signUp(a, "rotate");
        String first = client.cookie().orElseThrow();

        assertThat(client.login(client.username(), TestUsers.PASSWORD).status()).isEqualTo(200);
        String second = client.cookie().orElseThrow();

        assertThat(second).isNotEqualTo(first);
        Session old = TestUsers.at(b);
        old.useCookie(first);
        assertThat(old.get("/api/session").status()).isEqualTo(401);
        assertThat(client.on(b).get("/api/session").status()).isEqualTo(200);
    }

    @Test
    void aSessionIdChosenByTheClientIsNeverAdopted() {
        Session attacker = TestUsers.at(a);
        attacker.useCookie("attacker-chosen-session-id-aaaaaaaaaaaaaaaa");
        String name = TestUsers.uniqueUsername("fixation");
        attacker.post("/api/users", Json.object("username", name, "password", TestUsers.PASSWORD));

        Reply login = attacker.login(name, TestUsers.PASSWORD);

        assertThat(login.status()).isEqualTo(200);
        assertThat(attacker.cookie()).get().isNotEqualTo("attacker-chosen-session-id-aaaaaaaaaaaaaaaa");
    }

    @Test
    void sessionCookieIsHttpOnlyAndSameSiteLax() {
        Session client = TestUsers.at(a);
        String name = TestUsers.uniqueUsername("cookie");
        client.post("/api/users", Json.object("username", name, "password", TestUsers.PASSWORD));

        Reply login = client.login(name, TestUsers.PASSWORD);

        String cookie = login.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/").doesNotContain("Secure");
    }

    @Test
    void wrongPasswordAndUnknownUserAreBoth401WithoutSayingWhich() {
        Session client = TestUsers.signUp(a, "wrongpw");

        Reply wrongPassword = TestUsers.at(a).login(client.username(), "not the password");
        Reply unknownUser = TestUsers.at(a).login(TestUsers.uniqueUsername("ghost"), "not the password");

        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(unknownUser.status()).isEqualTo(401);
        assertThat(wrongPassword.json().get("detail").asText()).isEqualTo(unknownUser.json().get("detail").asText());
    }

    @Test
    void registeringATakenUsernameIs409() {
        Session client = TestUsers.signUp(a, "taken");

        Reply again = TestUsers.at(b).post("/api/users",
                Json.object("username", client.username(), "password", "another password"));

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
    }
}
