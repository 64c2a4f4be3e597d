package io.loomcluster.app.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides where webhooks may connect. A host is resolved here, once; an address in loopback,
 * private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the cloud metadata
 * address, fe80::/10), CGNAT (100.64/10), benchmarking (198.18/15), documentation, unspecified,
 * multicast or broadcast space is refused, as are the IPv4-mapped, IPv4-compatible, NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16) IPv6 forms of those, the rest of 64:ff9b::/32 (local-use
 * NAT64) and all of Teredo (2001::/32), unless the host name is listed in
 * {@code WEBHOOK_ALLOWED_HOSTS}. Callers connect to the addresses returned (no second lookup, so DNS
 * rebinding cannot swap them). Refusals name no resolved address: the text reaches the user, who
 * must not learn the internal network from it.
 */
public final class SsrfGuard {
    /** Looks up a host's addresses (the system resolver in production; injected in tests). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    static final String INTERNAL = "refused: internal address";
    static final String NOT_FOUND = "refused: host not found";

    /** A URL's host resolves only to addresses webhooks may not reach, or does not resolve. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final Set<String> allowedHosts;
    private final Resolver resolver;

    public SsrfGuard(Set<String> allowedHosts, Resolver resolver) {
        this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.resolver = resolver;
    }

    /** The addresses of {@code host} that may be connected to; refused when there are none. */
    public List<InetAddress> resolve(String host) throws Refused {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException e) {
            throw new Refused(NOT_FOUND);
        }
        if (allowedHosts.contains(name)) {
            return List.of(addresses);
        }
        List<InetAddress> allowed = List.of(addresses).stream().filter(a -> !isInternal(a)).toList();
        if (allowed.isEmpty() || allowed.size() < addresses.length) {
            // All or nothing: a name that mixes public and internal addresses is refused outright.
            throw new Refused(INTERNAL);
        }
        return allowed;
    }

    /** True for every address a webhook must not reach without an explicit allowance. */
    public static boolean isInternal(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            return isInternal(v6);
        }
        byte[] b = address.getAddress();
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        return address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()
                || a0 == 0 || a0 >= 240                      // "this network", reserved and broadcast
                || (a0 == 100 && (a1 & 0xc0) == 64)          // CGNAT 100.64/10
                || (a0 == 192 && a1 == 0 && a2 == 0)         // IETF protocol assignments 192.0.0/24
                || (a0 == 198 && (a1 & 0xfe) == 18)          // benchmarking 198.18/15
                || (a0 == 192 && a1 == 0 && a2 == 2)         // documentation: 192.0.2/24,
                || (a0 == 198 && a1 == 51 && a2 == 100)      //   198.51.100/24
                || (a0 == 203 && a1 == 0 && a2 == 113);      //   and 203.0.113/24
    }

    private static boolean isInternal(Inet6Address v6) {
        byte[] b = v6.getAddress();
        Inet4Address embedded = embeddedIpv4(b);
        if (embedded != null) {
            return isInternal(embedded);
        }
        if (isNat64WellKnown(b)) {
            return isInternal(ipv4(b[12], b[13], b[14], b[15]));
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return isInternal(ipv4(b[2], b[3], b[4], b[5])); // 6to4: 2002:AABB:CCDD::/48 is a.b.c.d
        }
        boolean nat64Other = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b; // 64:ff9b::/32
        boolean teredo = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0; // 2001::/32, an obfuscated IPv4 inside
        return nat64Other || teredo || v6.isLoopbackAddress() || v6.isAnyLocalAddress() || v6.isLinkLocalAddress()
                || v6.isSiteLocalAddress() || v6.isMulticastAddress() || ((b[0] & 0xff) & 0xfe) == 0xfc;
    }

    // 64:ff9b::a.b.c.d: the well-known NAT64 prefix, where DNS64 puts a public IPv4 address on IPv6-only hosts.
    private static boolean isNat64WellKnown(byte[] b) {
        if (!(b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b)) {
            return false;
        }
        for (int i = 4; i < 12; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static Inet4Address ipv4(byte a, byte b, byte c, byte d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[]{a, b, c, d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible); Java usually hands mapped ones over as IPv4 already.
    private static Inet4Address embeddedIpv4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return null;
            }
        }
        boolean mapped = (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = b[10] == 0 && b[11] == 0;
        if (!mapped && !compatible) {
            return null;
        }
        return ipv4(b[12], b[13], b[14], b[15]);
    }
}
