package io.loomcluster.lb.proxy;

import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.lb.testing.FramingFuzzer;
import io.loomcluster.lb.testing.FramingFuzzer.Expect;
import io.loomcluster.lb.testing.FramingFuzzer.Generated;
import io.loomcluster.lb.testing.RawConnection;
import io.loomcluster.lb.testing.RecordingBackend;
import io.loomcluster.testing.BalancerProcess;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balancer fuzzed against a strict reference ({@link FramingFuzzer}) with a raw backend as the
 * oracle ({@link RecordingBackend}): every request the reference forwards arrives once with exactly
 * its body, every request it refuses is answered 4xx and reaches no backend, and nothing else ever
 * arrives on a backend connection. Bounded in the suite; longer on demand:
 * {@code scripts/fuzz-balancer --seconds 600} (or {@code -Dlb.fuzz.seconds=600}, {@code -Dlb.fuzz.seed=N}
 * to repeat a run).
 */
class FramingFuzzIT {
    private static final long SEED = Long.getLong("lb.fuzz.seed", System.nanoTime());
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("lb.fuzz.seconds", 12));
    private static final int MAX_CASES = Integer.getInteger("lb.fuzz.cases", Integer.MAX_VALUE);

    @Test
    void smallLimitsPutEveryThresholdWithinReach() {
        fuzz("fuzz-small", Map.of("LB_RETRY_BUFFER_BYTES", "1KiB", "LB_MAX_BODY_BYTES", "8KiB"),
                new FramingFuzzer.Limits(1024, 8192), SEED);
    }

    @Test
    void defaultBufferingAroundSixtyFourKibibytes() {
        fuzz("fuzz-default", Map.of("LB_MAX_BODY_BYTES", "256KiB"), new FramingFuzzer.Limits(64 * 1024, 256 * 1024),
                SEED + 1);
    }

    private static void fuzz(String name, Map<String, String> settings, FramingFuzzer.Limits limits, long seed) {
        try (RecordingBackend backend = RecordingBackend.start()) {
            Map<String, String> env = new HashMap<>(settings);
            env.put("LB_BACKENDS", backend.url().toString());
            env.put("LB_ACCESS_LOG", "false");
            BalancerProcess balancer = BalancerFixture.balancer(name, env);
            try {
                balancer.awaitState(backend.url(), "healthy");
                FramingFuzzer fuzzer = new FramingFuzzer(seed, limits);
                Ledger ledger = new Ledger(backend);
                long end = System.nanoTime() + BUDGET.toNanos() / 2;
                int cases = 0;
                while (System.nanoTime() < end && cases < MAX_CASES) {
                    List<Generated> pipeline = fuzzer.pipeline();
                    String context = name + " seed " + seed + " case " + (++cases);
                    ledger.check(context, pipeline, send(balancer, pipeline, context));
                }
                ledger.settled(name + " seed " + seed + " after " + cases + " cases");
                System.out.printf("%s: %d cases (%d requests forwarded, %d refused), seed %d%n", name, cases,
                        ledger.forwarded, ledger.refused, seed);
                assertThat(cases).isPositive();
            } finally {
                balancer.assertNoLeaks();
                balancer.close();
            }
        }
    }

    /** Sends a pipeline and returns the requests answered by a backend; checks each answer against the reference. */
    private static Set<Integer> send(BalancerProcess balancer, List<Generated> pipeline, String context) {
        Set<Integer> answered = new HashSet<>();
        try (RawConnection client = RawConnection.open("127.0.0.1", balancer.port(), Duration.ofSeconds(10))) {
            client.send(FramingFuzzer.bytes(pipeline));
            boolean ended = false;
            for (Generated request : pipeline) {
                if (ended) {
                    break;
                }
                String about = context + ", request " + request.id() + " (" + request.why() + "): " + printable(request.bytes());
                RawConnection.Response response;
                try {
                    response = client.read(request.method().equals("HEAD"));
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + ": " + about, e);
                }
                assertThat(response).as("an answer to " + about).isNotNull();
                if (response.status() == 200) {
                    assertThat(request.expect()).as("forwarded although the reference refuses it: " + about)
                            .isNotEqualTo(Expect.REFUSE);
                    assertThat(response.header("X-Oracle-Target")).as(about).startsWith("/fuzz/" + request.id());
                    assertThat(response.header("X-Oracle-Body-Length")).as(about)
                            .isEqualTo(Integer.toString(request.body().length()));
                    answered.add(request.id());
                    ended = request.lastOnConnection() || response.closes();
                } else {
                    assertThat(response.status()).as("status for " + about).isBetween(400, 499);
                    assertThat(request.expect()).as("refused (" + response.status() + " " + response.body()
                            + ") although the reference forwards it: " + about).isNotEqualTo(Expect.FORWARD);
                    assertThat(response.closes()).as("a framing refusal ends the connection: " + about).isTrue();
                    ended = true;
                }
            }
        }
        return answered;
    }

    private static String printable(String bytes) {
        String text = bytes.length() > 600 ? bytes.substring(0, 600) + "…(" + bytes.length() + " bytes)" : bytes;
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c == '\r' ? "\\r" : c == '\n' ? "\\n\n" : c < 0x20 || c > 0x7E ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }

    /** What the backend must have received, held against what it did receive, across cases. */
    private static final class Ledger {
        private final RecordingBackend backend;
        private final Map<String, Generated> expected = new HashMap<>();
        private final Set<String> seen = new HashSet<>();
        int forwarded;
        int refused;

        Ledger(RecordingBackend backend) {
            this.backend = backend;
        }

        void check(String context, List<Generated> pipeline, Set<Integer> answered) {
            for (Generated request : pipeline) {
                if (answered.contains(request.id())) {
                    expected.put("/fuzz/" + request.id(), request);
                    forwarded++;
                } else {
                    refused++;
                }
            }
            List<RecordingBackend.Received> received = backend.take();
            for (RecordingBackend.Received r : received) {
                int q = r.target().indexOf('?');
                String target = q < 0 ? r.target() : r.target().substring(0, q);
                Generated request = expected.get(target);
                assertThat(request).as(context + ": the backend received a request no client had answered: " + r.method()
                        + " " + r.target() + " with " + r.body().length + " body bytes").isNotNull();
                assertThat(seen.add(target)).as(context + ": " + target + " arrived twice").isTrue();
                assertThat(r.method()).as(context + ": method of " + target).isEqualTo(request.method());
                assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).as(context + ": body of " + target + " ("
                        + request.why() + ")").isEqualTo(request.body());
            }
            for (Generated request : pipeline) {
                if (answered.contains(request.id())) {
                    assertThat(seen).as(context + ": answered but not recorded: " + request.id()).contains("/fuzz/" + request.id());
                }
            }
            assertThat(backend.violations()).as(context + ": bytes on a backend connection that are not a request").isEmpty();
        }

        void settled(String context) {
            assertThat(backend.take()).as(context + ": late arrivals").isEmpty();
            assertThat(backend.violations()).as(context).isEmpty();
        }
    }
}
