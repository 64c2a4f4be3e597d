package io.loomcluster.lb.discovery;

import io.loomcluster.testing.FreePorts;
import io.loomcluster.testing.Await;
import io.loomcluster.lb.LoadBalancer;
import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.lb.testing.BalancerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * DNS discovery end to end with an injected resolver (records cannot be added here): two backends
 * on the same port of 127.0.0.1 and 127.0.0.2, the balancer in this JVM, the "DNS answer" changed.
 */
class DnsDiscoveryIT {
    private static final AtomicReference<List<InetAddress>> records = new AtomicReference<>(List.of());
    private static BackendProcess first;
    private static BackendProcess second;
    private static LoadBalancer balancer;
    private static int port;
    private static final LoomClient CLIENT = LoomClient.builder(URI.create("http://127.0.0.1")).retry(RetryPolicy.NONE).build();

    @BeforeAll
    static void start() throws Exception {
        int backendPort = FreePorts.pick();
        first = BalancerFixture.backend("dns-1", "127.0.0.1", backendPort);
        second = BalancerFixture.backend("dns-2", "127.0.0.2", backendPort);
        port = FreePorts.pick();
        LbConfig config = LbConfig.fromEnv(Map.of(
                "LB_PORT", Integer.toString(port),
                "LB_ADMIN_PORT", Integer.toString(FreePorts.pick()),
                "LB_DISCOVERY", "dns:backends.test:" + backendPort,
                "LB_HEALTH_INTERVAL", "200ms"));
        records.set(List.of(InetAddress.getByName("127.0.0.1")));
        BackendDiscovery dns = BackendDiscovery.dns("backends.test", backendPort, Duration.ofMillis(100),
                name -> name.equals("backends.test") ? records.get() : List.of());
        balancer = new LoadBalancer(config, pool -> dns).start();
    }

    @AfterAll
    static void stop() {
        balancer.close();
        first.close();
        second.close();
    }

    @Test
    void reResolutionPicksUpAnAddedAddressAndDropsARemovedOne() throws Exception {
        awaitServedBy(Set.of("dns-1"));

        records.set(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")));
        awaitServedBy(Set.of("dns-1", "dns-2"));

        records.set(List.of(InetAddress.getByName("127.0.0.2")));
        Await.until("127.0.0.1 to be dropped", Duration.ofSeconds(10), () -> balancer.router().snapshot().all()
                .stream().map(Backend::uri).toList().equals(List.of(second.url())));
        awaitServedBy(Set.of("dns-2"));
    }

    private static void awaitServedBy(Set<String> expected) {
        Await.until("requests to be served by exactly " + expected, Duration.ofSeconds(10), () -> IntStream.range(0, 6)
                .mapToObj(i -> String.valueOf(CLIENT.at(URI.create("http://127.0.0.1:" + port)).send(Request.get("/echo"))
                        .instanceId()))
                .collect(Collectors.toSet()).equals(expected));
    }
}
