package io.loomcluster.app.webhooks;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SsrfGuardTest {
    // A resolver as a DNS server under an attacker's control would answer.
    private static final Map<String, List<String>> ZONE = Map.of(
            "public.example", List.of("93.184.216.34"),
            "metadata.example", List.of("169.254.169.254"),
            "intranet.example", List.of("10.0.0.5"),
            "mixed.example", List.of("93.184.216.34", "127.0.0.1"),
            "receiver.test", List.of("127.0.0.1"));

    private final SsrfGuard guard = new SsrfGuard(Set.of("Receiver.test"), SsrfGuardTest::lookUp);

    @Test
    void aPublicNameResolvesToTheAddressesToConnectTo() throws Exception {
        assertThat(guard.resolve("public.example")).containsExactly(InetAddress.getByName("93.184.216.34"));
    }

    @Test
    void namesThatResolveToInternalAddressesAreRefused() {
        for (String host : List.of("metadata.example", "intranet.example", "mixed.example", "nowhere.example")) {
            assertThatThrownBy(() -> guard.resolve(host)).as(host).isInstanceOf(SsrfGuard.Refused.class);
        }
    }

    @Test
    void anAllowedHostMayResolveToLoopback() throws Exception {
        assertThat(guard.resolve("receiver.test")).containsExactly(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void everyInternalRangeAndItsIpv6FormsAreInternal() throws Exception {
        for (String address : List.of("127.0.0.1", "10.255.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254",
                "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
                "fd12:3456::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1")) {
            assertThat(SsrfGuard.isInternal(InetAddress.getByName(address))).as(address).isTrue();
        }
        for (String address : List.of("93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8")) {
            assertThat(SsrfGuard.isInternal(InetAddress.getByName(address))).as(address).isFalse();
        }
    }

    @Test
    void nat64And6to4FormsOfInternalAddressesAndTheBenchmarkRangeAreInternal() throws Exception {
        // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) carry an IPv4 address; 2001::/32 (Teredo) hides one.
        for (String address : List.of("64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1",
                "2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::", "2002:a9fe:a9fe::1", "2001:0:4136:e378::1",
                "198.18.0.1", "198.19.255.255", "192.0.2.1", "198.51.100.7", "203.0.113.9")) {
            assertThat(SsrfGuard.isInternal(InetAddress.getByName(address))).as(address).isTrue();
        }
        for (String address : List.of("64:ff9b::808:808", "2002:808:808::1", "198.17.255.255", "198.20.0.1")) {
            assertThat(SsrfGuard.isInternal(InetAddress.getByName(address))).as(address).isFalse();
        }
    }

    @Test
    void aRefusalNamesNoResolvedAddress() {
        for (String host : List.of("metadata.example", "intranet.example", "mixed.example")) {
            assertThatThrownBy(() -> guard.resolve(host)).as(host)
                    .hasMessage("refused: internal address");
        }
        assertThatThrownBy(() -> guard.resolve("nowhere.example")).hasMessage("refused: host not found");
    }

    private static InetAddress[] lookUp(String host) throws UnknownHostException {
        List<String> addresses = ZONE.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host);
        }
        InetAddress[] result = new InetAddress[addresses.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = InetAddress.getByName(addresses.get(i));
        }
        return result;
    }
}
