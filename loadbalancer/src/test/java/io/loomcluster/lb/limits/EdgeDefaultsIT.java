package io.loomcluster.lb.limits;

import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.lb.testing.RawConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge with its default limits: a client address holds at most 512 connections (the next is
 * closed at once) while the machine's own addresses are exempt. Only the exemption is narrowed here,
 * to 127.0.0.1, so that another loopback address stands for a remote client.
 */
class EdgeDefaultsIT {
    private static BalancerFixture lb;

    @BeforeAll
    static void start() {
        lb = BalancerFixture.start("edge-defaults", Map.of("LB_CLIENT_LIMITS_EXEMPT", "127.0.0.1/32"));
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.balancer().assertNoLeaks();
            lb.close();
        }
    }

    @Test
    void aRemoteAddressHoldsAtMost512ConnectionsWhileTheMachineItselfIsExempt() {
        List<RawConnection> held = new ArrayList<>();
        try {
            for (int i = 0; i < 512; i++) {
                held.add(RawConnection.from("127.0.0.9", lb.balancer().port()));
            }
            // Each of the 512 is served: all were admitted (accepts are handed to two loops in no set order).
            for (RawConnection connection : held) {
                assertThat(connection.send("GET /echo HTTP/1.1\r\nHost: lb\r\n\r\n").read().status()).isEqualTo(200);
            }
            try (RawConnection over = RawConnection.from("127.0.0.9", lb.balancer().port())) {
                assertThat(over.send("GET /echo HTTP/1.1\r\nHost: lb\r\n\r\n").read()).as("the 513th").isNull();
            }
            for (int i = 0; i < 600; i++) {
                held.add(RawConnection.from("127.0.0.1", lb.balancer().port()));
            }
            RawConnection exempt = held.get(held.size() - 1);
            assertThat(exempt.send("GET /echo HTTP/1.1\r\nHost: lb\r\n\r\n").read().status()).isEqualTo(200);
        } finally {
            held.forEach(RawConnection::close);
        }
    }
}
