package io.loomcluster.app.sessions;

import io.loomcluster.testing.ApiClient;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static io.loomcluster.testing.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

class SessionsAcrossInstancesIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void sessionMadeOnOneInstanceWorksOnTheOtherAndLogoutThereEndsItEverywhere() {
        ApiClient onA = new ApiClient(a).signUp("across");
        ApiClient onB = onA.on(b);

        ApiClient.Response meOnB = onB.get("/api/session");
        assertThat(meOnB.status()).isEqualTo(200);
        assertThat(meOnB.json().get("username").asText()).isEqualTo(onA.username());
        assertThat(meOnB.header("X-Instance-Id")).isNotEqualTo(onA.get("/api/session").header("X-Instance-Id"));

        assertThat(onB.delete("/api/session").status()).isEqualTo(204);

        ApiClient stale = new ApiClient(a);
        stale.useSession(onA.session().orElseThrow());
        assertThat(stale.get("/api/session").status()).isEqualTo(401);
    }

    @Test
    void loginRotatesTheSessionIdAndTheOldIdStopsWorking() {
        ApiClient client = new ApiClient(a).signUp("rotate");
        String first = client.session().orElseThrow();

        assertThat(client.login(client.username(), ApiClient.PASSWORD).status()).isEqualTo(200);
        String second = client.session().orElseThrow();

        assertThat(second).isNotEqualTo(first);
        ApiClient old = new ApiClient(b);
        old.useSession(first);
        assertThat(old.get("/api/session").status()).isEqualTo(401);
        assertThat(client.on(b).get("/api/session").status()).isEqualTo(200);
    }

    @Test
    void aSessionIdChosenByTheClientIsNeverAdopted() {
        ApiClient attacker = new ApiClient(a);
        attacker.useSession("attacker-chosen-session-id-aaaaaaaaaaaaaaaa");
        String name = ApiClient.uniqueUsername("fixation");
        attacker.post("/api/users", json("username", name, "password", ApiClient.PASSWORD));

        ApiClient.Response login = attacker.login(name, ApiClient.PASSWORD);

        assertThat(login.status()).isEqualTo(200);
        assertThat(attacker.session()).get().isNotEqualTo("attacker-chosen-session-id-aaaaaaaaaaaaaaaa");
    }

    @Test
    void sessionCookieIsHttpOnlyAndSameSiteLax() {
        ApiClient client = new ApiClient(a);
        String name = ApiClient.uniqueUsername("cookie");
        client.post("/api/users", json("username", name, "password", ApiClient.PASSWORD));

        ApiClient.Response login = client.login(name, ApiClient.PASSWORD);

        String cookie = login.headers("Set-Cookie").stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/").doesNotContain("Secure");
    }

    @Test
    void wrongPasswordAndUnknownUserAreBoth401WithoutSayingWhich() {
        ApiClient client = new ApiClient(a).signUp("wrongpw");

        ApiClient.Response wrongPassword = new ApiClient(a).login(client.username(), "not the password");
        ApiClient.Response unknownUser = new ApiClient(a).login(ApiClient.uniqueUsername("ghost"), "not the password");

        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(unknownUser.status()).isEqualTo(401);
        assertThat(wrongPassword.json().get("detail").asText()).isEqualTo(unknownUser.json().get("detail").asText());
    }

    @Test
    void registeringATakenUsernameIs409() {
        ApiClient client = new ApiClient(a).signUp("taken");

        ApiClient.Response again = new ApiClient(b).post("/api/users",
                json("username", client.username(), "password", "another password"));

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
    }
}
