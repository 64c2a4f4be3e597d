package io.loomcluster.lb.discovery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/** Every A/AAAA record of a name, re-resolved periodically (docker compose {@code --scale}). */
final class DnsDiscovery extends PollingDiscovery {
    private final String name;
    private final int port;
    private final Resolver resolver;

    DnsDiscovery(String name, int port, Duration interval, Resolver resolver) {
        super("discovery-dns", interval);
        this.name = name;
        this.port = port;
        this.resolver = resolver;
    }

    @Override
    Set<URI> poll() throws Exception {
        Set<URI> result = new LinkedHashSet<>();
        for (InetAddress address : resolver.resolve(name)) {
            String host = address.getHostAddress();
            if (address instanceof Inet6Address) {
                int zone = host.indexOf('%');
                host = "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]";
            }
            result.add(URI.create("http://" + host + ":" + port));
        }
        return Set.copyOf(result);
    }

    @Override
    String source() {
        return "DNS name " + name;
    }
}
