package io.loomcluster.app.http;

import io.javalin.http.Context;
import io.loomcluster.app.config.Cidr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The client's address for rate limiting: the socket peer, unless the peer is a trusted proxy (the
 * balancer), in which case the right-most untrusted {@code X-Forwarded-For} entry. Entries a client
 * wrote itself sit to the left of those the proxies appended, so they are never believed.
 */
public final class ClientAddress {
    private final List<Cidr> trustedProxies;

    public ClientAddress(List<Cidr> trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    public String of(Context ctx) {
        return resolve(ctx.req().getRemoteAddr(), ctx.header("X-Forwarded-For"));
    }

    String resolve(String peer, String forwarded) {
        if (!isTrusted(peer)) {
            return peer;
        }
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!isLiteral(hop)) {
                return peer;
            }
            if (!isTrusted(hop) || i == 0) {
                return hop;
            }
        }
        return peer;
    }

    private boolean isTrusted(String address) {
        if (!isLiteral(address)) {
            return false;
        }
        try {
            InetAddress parsed = InetAddress.getByName(address);
            return trustedProxies.stream().anyMatch(cidr -> cidr.contains(parsed));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    // Only IP literals are considered: anything else could trigger a DNS lookup.
    private static boolean isLiteral(String address) {
        return address != null && !address.isEmpty() && address.length() <= 45 && address.matches("[0-9a-fA-F:.]+");
    }
}
