package io.loomcluster.app.sessions;

import io.loomcluster.testing.ApiClient;
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
        ApiClient owner = new ApiClient(a).signUp("limited");
        // The sign-up's login was attempt 1 of the default 10 per username; nine more alternate
        // between the two instances, each from its own address so that only the per-username limit can trip.
        for (int i = 0; i < 9; i++) {
            ApiClient attacker = new ApiClient(i % 2 == 0 ? a : b);
            assertThat(attacker.login(owner.username(), "wrong password " + i).status()).isEqualTo(401);
        }

        ApiClient.Response limited = new ApiClient(b).login(owner.username(), "wrong password again");

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        // Even the right password is refused while the window lasts.
        assertThat(new ApiClient(a).login(owner.username(), ApiClient.PASSWORD).status()).isEqualTo(429);
    }

    @Test
    void loginAttemptsPerClientAddressAreCountedAcrossInstances() {
        String address = "203.0.113.77";
        // The default allows 100 attempts per address per minute; a different username each time,
        // alternating instances, so that only the shared per-address counter can trip.
        for (int attempt = 0; attempt < 100; attempt++) {
            ApiClient client = new ApiClient(attempt % 2 == 0 ? a : b, address);
            assertThat(client.login(ApiClient.uniqueUsername("nobody"), "wrong password").status()).isEqualTo(401);
        }

        ApiClient.Response limited = new ApiClient(b, address).login(ApiClient.uniqueUsername("nobody"), "wrong password");

        assertThat(limited.status()).isEqualTo(429);
        ApiClient elsewhere = new ApiClient(a, "203.0.113.78");
        assertThat(elsewhere.login(ApiClient.uniqueUsername("nobody"), "wrong password").status()).isEqualTo(401);
    }

}
