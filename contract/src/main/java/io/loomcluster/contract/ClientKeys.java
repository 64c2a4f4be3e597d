package io.loomcluster.contract;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * Who a client is for address-keyed limits: an IPv4 address as itself (an IPv4-mapped IPv6 address
 * too), an IPv6 address by its /64, since one subscriber usually holds a whole /64 and could
 * otherwise take a fresh address for every attempt. Anything that is not an IP literal is its own key.
 */
public final class ClientKeys {
    private ClientKeys() {
    }

    public static String of(String address) {
        Optional<InetAddress> parsed = Cidr.address(address);
        if (parsed.isEmpty()) {
            return address;
        }
        // InetAddress already turns ::ffff:a.b.c.d into an Inet4Address.
        if (parsed.get() instanceof Inet4Address v4) {
            return v4.getHostAddress();
        }
        byte[] prefix = Arrays.copyOf(parsed.get().getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            key.append(Integer.toHexString((prefix[i] & 0xFF) << 8 | prefix[i + 1] & 0xFF)).append(':');
        }
        return key.append(":/64").toString();
    }
}
