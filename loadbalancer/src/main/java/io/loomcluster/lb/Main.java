package io.loomcluster.lb;

import io.loomcluster.contract.ConfigException;
import io.loomcluster.lb.config.Discovery;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.discovery.BackendDiscovery;

import java.security.Security;

/** Reads the configuration, wires the balancer, runs until SIGTERM, then drains. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // DNS discovery must see new records; the JVM would otherwise cache lookups for 30 s or forever.
        Security.setProperty("networkaddress.cache.ttl", "1");
        Security.setProperty("networkaddress.cache.negative.ttl", "0");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSX");
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");

        LbConfig config;
        try {
            config = LbConfig.fromEnv(System.getenv());
        } catch (ConfigException e) {
            System.err.println("loadbalancer: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        LoadBalancer balancer = new LoadBalancer(config, discovery(config));
        Runtime.getRuntime().addShutdownHook(new Thread(balancer::close, "lb-shutdown"));
        balancer.start();
    }

    private static BackendDiscovery discovery(LbConfig config) {
        return switch (config.discovery()) {
            case Discovery.Static s -> BackendDiscovery.fixed(config.backends());
            case Discovery.Dns dns -> BackendDiscovery.dns(dns.name(), dns.port(), config.dnsInterval(),
                    BackendDiscovery.Resolver.SYSTEM);
            case Discovery.Redis r -> BackendDiscovery.redis(config.redisUrl(), config.redisInterval());
        };
    }
}
