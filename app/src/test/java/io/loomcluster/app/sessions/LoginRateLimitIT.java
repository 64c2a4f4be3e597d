package io.loomcluster.app.sessions;

import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class LoginRateLimitIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void loginAttemptsPerUsernameAreCountedAcrossInstances() {
        Session owner = TestUsers.signUp(a, "limited");
        // The sign-up's login was attempt 1 of the default 10 per username; nine more alternate
        // between the two instances, each from its own address so that only the per-username limit can trip.
        for (int i = 0; i < 9; i++) {
            Session attacker = TestUsers.at(i % 2 == 0 ? a : b);
            assertThat(attacker.login(owner.username(), "wrong password " + i).status()).isEqualTo(401);
        }

        Reply limited = TestUsers.at(b).login(owner.username(), "wrong password again");

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        // Even the right password is refused while the window lasts.
        assertThat(TestUsers.at(a).login(owner.username(), TestUsers.PASSWORD).status()).isEqualTo(429);
    }

    @Test
    void loginAttemptsPerClientAddressAreCountedAcrossInstances() {
        String address = "203.0.113.77";
        // The default allows 100 attempts per address per minute; a different username each time,
        // alternating instances, so that only the shared per-address counter can trip.
        for (int attempt = 0; attempt < 100; attempt++) {
            Session client = TestUsers.at(attempt % 2 == 0 ? a : b, address);
            assertThat(client.login(TestUsers.uniqueUsername("nobody"), "wrong password").status()).isEqualTo(401);
        }

        Reply limited = TestUsers.at(b, address).login(TestUsers.uniqueUsername("nobody"), "wrong password");

        assertThat(limited.status()).isEqualTo(429);
        Session elsewhere = TestUsers.at(a, "203.0.113.78");
        assertThat(elsewhere.login(TestUsers.uniqueUsername("nobody"), "wrong password").status()).isEqualTo(401);
    }

}
