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
 * address, fe80::/10), CGNAT (100.64/10), unspecified, multicast or broadcast space is refused, as are
 * the IPv4-mapped and IPv4-compatible IPv6 forms of those, unless the host name is listed in
 * {@code WEBHOOK_ALLOWED_HOSTS}. Callers connect to the addresses returned (no second lookup, so
 * DNS rebinding cannot swap them).
 */
public final class SsrfGuard {
    /** Looks up a host's addresses (the system resolver in production; injected in tests). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

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
            throw new Refused("the host " + host + " does not resolve");
        }
        if (allowedHosts.contains(name)) {
            return List.of(addresses);
        }
        List<InetAddress> allowed = List.of(addresses).stream().filter(a -> !isInternal(a)).toList();
        if (allowed.isEmpty() || allowed.size() < addresses.length) {
            // All or nothing: a name that mixes public and internal addresses is refused outright.
            throw new Refused("the host " + host + " resolves to an internal address ("
                    + List.of(addresses).stream().filter(SsrfGuard::isInternal).findFirst().orElseThrow().getHostAddress()
                    + "); webhooks may only call public addresses");
        }
        return allowed;
    }

    /** True for every address a webhook must not reach without an explicit allowance. */
    public static boolean isInternal(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            Inet4Address embedded = embeddedIpv4(b);
            if (embedded != null) {
                return isInternal(embedded);
            }
            int first = b[0] & 0xff;
            return v6.isLoopbackAddress() || v6.isAnyLocalAddress() || v6.isLinkLocalAddress() || v6.isSiteLocalAddress()
                    || v6.isMulticastAddress() || (first & 0xfe) == 0xfc;
        }
        byte[] b = address.getAddress();
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        return address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()
                || a0 == 0 || a0 >= 240                      // "this network", reserved and broadcast
                || (a0 == 100 && (a1 & 0xc0) == 64)          // CGNAT 100.64/10
                || (a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0); // IETF protocol assignments 192.0.0/24
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
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
