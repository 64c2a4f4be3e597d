package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientKeysTest {
    @Test
    void ipv4AddressesKeyAsThemselves() {
        assertThat(ClientKeys.of("203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6AddressesOfOneSlash64ShareAKey() {
        assertThat(ClientKeys.of("2001:db8:1:2:aaaa::1")).isEqualTo(ClientKeys.of("2001:db8:1:2:ffff:ffff:ffff:ffff"))
                .isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientKeys.of("2001:db8:1:3::1")).isNotEqualTo(ClientKeys.of("2001:db8:1:2::1"));
    }

    @Test
    void ipv4MappedIpv6KeysAsTheIpv4Address() {
        assertThat(ClientKeys.of("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void aNonLiteralKeysAsItself() {
        assertThat(ClientKeys.of("unknown")).isEqualTo("unknown");
    }
}
