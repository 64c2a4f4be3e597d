package io.loomcluster.lb.discovery;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Where the backends are. Reports the whole current set each time it changes. */
public interface BackendDiscovery extends AutoCloseable {

    /** Starts discovering; {@code onChange} gets the full set of base URLs, first at once, then on each change. */
    void start(Consumer<Set<URI>> onChange);

    @Override
    void close();

    /** Resolves a host name to all its addresses; injectable so re-resolution can be tested. */
    @FunctionalInterface
    interface Resolver {
        List<InetAddress> resolve(String name) throws Exception;

        Resolver SYSTEM = name -> List.of(InetAddress.getAllByName(name));
    }

    static BackendDiscovery fixed(List<URI> backends) {
        return new StaticDiscovery(backends);
    }

    static BackendDiscovery dns(String name, int port, Duration interval, Resolver resolver) {
        return new DnsDiscovery(name, port, interval, resolver);
    }

    /** Instances registered under {@code key} ({@code Names.backendsKey(pool)}). */
    static BackendDiscovery redis(io.loomcluster.contract.RedisTarget redis, Duration interval, String key) {
        return new RedisDiscovery(redis, interval, key);
    }
}
