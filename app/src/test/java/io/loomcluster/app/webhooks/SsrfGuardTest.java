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
