package io.loomcluster.contract;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The key a per-client limit counts under: an IPv4 address as it is, an IPv6 address by its /64
 * (one subscriber's network hands out a whole /64, so counting single IPv6 addresses would let one
 * client take 2^64 keys), an IPv4-mapped IPv6 address as the IPv4 address it maps. Anything that
 * is not an IP literal keys as itself.
 */
public final class ClientKeys {
    private ClientKeys() {
    }

    public static String of(String address) {
        Optional<InetAddress> parsed = Cidr.address(address);
        if (parsed.isEmpty()) {
            return address;
        }
        InetAddress ip = parsed.get();
        if (ip instanceof Inet4Address) {
            // Also what InetAddress makes of ::ffff:a.b.c.d.
            return ip.getHostAddress();
        }
        byte[] bytes = ip.getAddress();
        StringBuilder key = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            key.append(Integer.toHexString((bytes[i] & 0xFF) << 8 | bytes[i + 1] & 0xFF)).append(':');
        }
        return key.append(":/64").toString();
    }
}
