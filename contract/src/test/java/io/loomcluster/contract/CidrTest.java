package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class CidrTest {
    @Test
    void matchesAddressesInsideThePrefixOnly() throws Exception {
        Cidr privateRange = Cidr.parse("172.16.0.0/12");

        assertThat(privateRange.contains(InetAddress.getByName("172.16.0.1"))).isTrue();
        assertThat(privateRange.contains(InetAddress.getByName("172.31.255.254"))).isTrue();
        assertThat(privateRange.contains(InetAddress.getByName("172.32.0.1"))).isFalse();
        assertThat(privateRange.contains(InetAddress.getByName("::1"))).isFalse();
    }

    @Test
    void aBareAddressIsASingleHost() throws Exception {
        Cidr host = Cidr.parse("::1");

        assertThat(host.contains(InetAddress.getByName("::1"))).isTrue();
        assertThat(host.contains(InetAddress.getByName("::2"))).isFalse();
    }
}
