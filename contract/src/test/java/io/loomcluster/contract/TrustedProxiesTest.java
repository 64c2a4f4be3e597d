package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TrustedProxiesTest {
    private final TrustedProxies resolver = new TrustedProxies(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("10.0.0.0/8")));

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() {
        assertThat(resolver.clientAddress("203.0.113.9", "198.51.100.1")).isEqualTo("203.0.113.9");
    }

    @Test
    void behindTrustedProxiesTheRightMostUntrustedHopIsTheClient() {
        // The client wrote "1.2.3.4" itself; the balancer appended the address it really saw.
        assertThat(resolver.clientAddress("10.0.0.5", "1.2.3.4, 198.51.100.7")).isEqualTo("198.51.100.7");
        assertThat(resolver.clientAddress("127.0.0.1", "198.51.100.7, 10.0.0.9")).isEqualTo("198.51.100.7");
    }

    @Test
    void garbageInTheHeaderFallsBackToThePeer() {
        assertThat(resolver.clientAddress("10.0.0.5", "evil.example, <script>")).isEqualTo("10.0.0.5");
        assertThat(resolver.clientAddress("10.0.0.5", null)).isEqualTo("10.0.0.5");
    }

    @Test
    void onlyAddressesInsideTheRangesAreTrustedAndNamesNever() {
        assertThat(resolver.trusts("10.1.2.3")).isTrue();
        assertThat(resolver.trusts("127.0.0.1")).isTrue();
        assertThat(resolver.trusts("192.168.1.1")).isFalse();
        assertThat(resolver.trusts("localhost")).isFalse();
        assertThat(resolver.trusts(null)).isFalse();
        assertThat(resolver.trusts("1".repeat(60))).isFalse();
    }
}
