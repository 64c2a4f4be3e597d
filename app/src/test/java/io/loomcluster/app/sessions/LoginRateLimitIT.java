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
    void aStrangerFailingFromOneClientIsThrottledWhileTheOwnerStillLogsInFromAnother() {
        Session owner = TestUsers.signUp(a, "limited");
        // The default allows 10 failures per client and username a minute. The stranger's addresses
        // are all in one IPv6 /64 (one client), alternating instances.
        for (int i = 1; i <= 10; i++) {
            Session stranger = TestUsers.at(i % 2 == 0 ? a : b, "2001:db8:66:1::" + Integer.toHexString(i));
            assertThat(stranger.login(owner.username(), "wrong password " + i).status()).as("attempt %d", i).isEqualTo(401);
        }

        Reply limited = TestUsers.at(b, "2001:db8:66:1::ff").login(owner.username(), "wrong password again");

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        // The stranger is throttled even with the right password...
        assertThat(TestUsers.at(a, "2001:db8:66:1::1").login(owner.username(), TestUsers.PASSWORD).status()).isEqualTo(429);
        // ...while the owner, from their own address, logs in.
        assertThat(TestUsers.at(a).login(owner.username(), TestUsers.PASSWORD).status()).isEqualTo(200);
        assertThat(TestUsers.at(b).login(owner.username(), TestUsers.PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void bruteForceFromManyAddressesHitsThePerUsernameFailureCeiling() {
        Session owner = TestUsers.signUp(a, "ceiling");
        // The default ceiling is 100 failures per username an hour, from whatever addresses.
        for (int i = 1; i <= 100; i++) {
            Session stranger = TestUsers.at(i % 2 == 0 ? a : b, "198.51.100." + i);
            assertThat(stranger.login(owner.username(), "wrong guess number " + i).status()).as("guess %d", i).isEqualTo(401);
        }

        Reply limited = TestUsers.at(b, "198.51.100.201").login(owner.username(), "wrong guess number 101");

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("detail").asText()).contains("this username");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        assertThat(TestUsers.at(a, "198.51.100.202").login(owner.username(), TestUsers.PASSWORD).status()).isEqualTo(429);
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
