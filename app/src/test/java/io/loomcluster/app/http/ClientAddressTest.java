package io.loomcluster.app.http;

import io.loomcluster.app.config.Cidr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressTest {
    private final ClientAddress resolver = new ClientAddress(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("10.0.0.0/8")));

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() {
        assertThat(resolver.resolve("203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
    }

    @Test
    void behindTrustedProxiesTheRightMostUntrustedHopIsTheClient() {
        // The client wrote "1.2.3.4" itself; the balancer appended the address it really saw.
        assertThat(resolver.resolve("10.0.0.5", "1.2.3.4, 198.51.100.7")).isEqualTo("198.51.100.7");
        assertThat(resolver.resolve("127.0.0.1", "198.51.100.7, 10.0.0.9")).isEqualTo("198.51.100.7");
    }

    @Test
    void garbageInTheHeaderFallsBackToThePeer() {
        assertThat(resolver.resolve("10.0.0.5", "evil.example, <script>")).isEqualTo("10.0.0.5");
        assertThat(resolver.resolve("10.0.0.5", null)).isEqualTo("10.0.0.5");
    }
}
