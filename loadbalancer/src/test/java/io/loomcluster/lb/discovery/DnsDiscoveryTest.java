package io.loomcluster.lb.discovery;

import io.loomcluster.testing.Await;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class DnsDiscoveryTest {

    @Test
    void localhostResolvesToLoopbackBackends() {
        List<Set<URI>> seen = new CopyOnWriteArrayList<>();
        try (BackendDiscovery dns = BackendDiscovery.dns("localhost", 8081, Duration.ofSeconds(5),
                BackendDiscovery.Resolver.SYSTEM)) {
            dns.start(seen::add);
            Await.until("localhost to resolve", Duration.ofSeconds(5), () -> !seen.isEmpty());
        }
        assertThat(seen.getFirst()).isNotEmpty()
                .allSatisfy(uri -> assertThat(uri.toString()).isIn("http://127.0.0.1:8081", "http://[0:0:0:0:0:0:0:1]:8081"));
    }

    @Test
    void changesAreReportedAndAFailedLookupKeepsTheLastSet() throws Exception {
        AtomicReference<Object> answer = new AtomicReference<>(List.of(InetAddress.getByName("10.0.0.1")));
        List<Set<URI>> seen = new CopyOnWriteArrayList<>();
        AtomicInteger lookups = new AtomicInteger();
        BackendDiscovery.Resolver resolver = name -> {
            lookups.incrementAndGet();
            Object current = answer.get();
            if (current instanceof Exception e) {
                throw e;
            }
            @SuppressWarnings("unchecked")
            List<InetAddress> addresses = (List<InetAddress>) current;
            return addresses;
        };
        try (BackendDiscovery dns = BackendDiscovery.dns("app", 9000, Duration.ofMillis(20), resolver)) {
            dns.start(seen::add);
            Await.until("the first answer", Duration.ofSeconds(5), () -> seen.size() == 1);
            answer.set(new UnknownHostException("app"));
            int before = lookups.get();
            Await.until("two failed lookups", Duration.ofSeconds(5), () -> lookups.get() >= before + 2);
            assertThat(seen).hasSize(1);
            answer.set(List.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.0.2")));
            Await.until("the second answer", Duration.ofSeconds(5), () -> seen.size() == 2);
            answer.set(List.of(InetAddress.getByName("10.0.0.2")));
            Await.until("the third answer", Duration.ofSeconds(5), () -> seen.size() == 3);
        }
        assertThat(seen).containsExactly(
                Set.of(URI.create("http://10.0.0.1:9000")),
                Set.of(URI.create("http://10.0.0.1:9000"), URI.create("http://10.0.0.2:9000")),
                Set.of(URI.create("http://10.0.0.2:9000")));
    }
}
