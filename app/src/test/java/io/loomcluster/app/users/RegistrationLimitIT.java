package io.loomcluster.app.users;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class RegistrationLimitIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void registrationsPerClientAreCountedAcrossInstancesAndAnIpv6ClientIsItsSlash64() {
        // The default allows 20 per hour; each from another address of one /64, alternating instances.
        for (int i = 1; i <= 20; i++) {
            assertThat(register(i % 2 == 0 ? a : b, "2001:db8:20:1::" + Integer.toHexString(i)).status())
                    .as("registration %d", i).isEqualTo(201);
        }

        Reply limited = register(b, "2001:db8:20:1:ffff::1");

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.contentType()).startsWith("application/problem+json");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        assertThat(register(a, "2001:db8:20:2::1").status()).isEqualTo(201);
    }

    private static Reply register(URI instance, String address) {
        return TestUsers.at(instance, address).post("/api/users",
                Json.object("username", TestUsers.uniqueUsername("reg"), "password", TestUsers.PASSWORD));
    }
}
