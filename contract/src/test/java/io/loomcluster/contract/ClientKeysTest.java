package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClientKeysTest {
    @Test
    void anIpv4AddressIsItsOwnKey() {
        assertThat(ClientKeys.of("203.0.113.7")).isEqualTo("203.0.113.7");
    }

    @Test
    void anIpv4MappedIpv6AddressIsKeyedAsIpv4() {
        assertThat(ClientKeys.of("::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientKeys.of("::ffff:cb00:7107")).isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6AddressesOfOneSlash64ShareAKey() {
        String key = ClientKeys.of("2001:db8:1:2::1");

        assertThat(key).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientKeys.of("2001:db8:1:2:ffff:ffff:ffff:ffff")).isEqualTo(key);
        assertThat(ClientKeys.of("2001:DB8:1:2:0:0:0:abcd")).isEqualTo(key);
        assertThat(ClientKeys.of("2001:db8:1:3::1")).isNotEqualTo(key);
        assertThat(ClientKeys.of("::1")).isEqualTo("0:0:0:0::/64");
    }

    @Test
    void somethingThatIsNotAnAddressIsItsOwnKey() {
        assertThat(ClientKeys.of("unknown")).isEqualTo("unknown");
    }
}
