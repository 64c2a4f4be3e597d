package io.loomcluster.contract;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Which peers are proxies whose forwarding headers are believed ({@code TRUSTED_PROXIES}), and so
 * who the client is: the one security decision every process that reads {@code X-Forwarded-*}
 * makes, made here once. Only IP literals count; nothing here ever resolves a name.
 */
public final class TrustedProxies {
    private final List<Cidr> ranges;

    public TrustedProxies(List<Cidr> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** Whether {@code address} (an IP literal) is inside a trusted range. */
    public boolean trusts(String address) {
        Optional<InetAddress> parsed = Cidr.address(address);
        return parsed.isPresent() && ranges.stream().anyMatch(cidr -> cidr.contains(parsed.get()));
    }

    /**
     * The client's address: the socket peer, unless the peer is a trusted proxy, in which case the
     * right-most {@code X-Forwarded-For} entry that is not a trusted proxy. Entries a client wrote
     * itself sit to the left of those the proxies appended, so they are never believed; an entry that
     * is not an IP literal ends the walk at the peer.
     */
    public String clientAddress(String peer, String forwardedFor) {
        if (!trusts(peer) || forwardedFor == null || forwardedFor.isBlank()) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (Cidr.address(hop).isEmpty()) {
                return peer;
            }
            if (!trusts(hop) || i == 0) {
                return hop;
            }
        }
        return peer;
    }
}
