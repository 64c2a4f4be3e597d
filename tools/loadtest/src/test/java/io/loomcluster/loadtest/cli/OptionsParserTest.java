package io.loomcluster.loadtest.cli;

import io.loomcluster.loadtest.realtime.Transport;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptionsParserTest {

    @Test
    void defaultsToAnOpenBrowseRunAgainstTheBalancer() {
        Options o = OptionsParser.parse(new String[0], false);
        assertThat(o.scenario()).isEqualTo("browse");
        assertThat(o.targets()).containsExactly(URI.create("http://127.0.0.1:8080"));
        assertThat(o.closedModel()).isFalse();
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.maxRequests()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void readsBothOptionForms() {
        Options o = OptionsParser.parse(new String[] {"--scenario=chat", "--rate", "150", "--duration", "2m",
                "--transport", "sse", "--url", "http://127.0.0.1:8081,http://127.0.0.1:8082", "--slo", "p99<50ms"}, false);
        assertThat(o.rate()).isEqualTo(150.0);
        assertThat(o.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(o.transport()).isEqualTo(Transport.SSE);
        assertThat(o.targets()).hasSize(2);
        assertThat(o.subscribers()).isEqualTo(8);
        assertThat(o.slo()).hasSize(1);
    }

    @Test
    void rampAndClosedModel() {
        Options ramp = OptionsParser.parse(new String[] {"--ramp", "10:200", "--ramp-time", "20s"}, false);
        assertThat(ramp.ramped()).isTrue();
        assertThat(ramp.rampFrom()).isEqualTo(10.0);
        assertThat(ramp.rate()).isEqualTo(200.0);
        Options closed = OptionsParser.parse(new String[] {"--users", "80"}, false);
        assertThat(closed.closedModel()).isTrue();
        assertThat(closed.accounts()).isEqualTo(50);
    }

    @Test
    void compareTakesPositionalTargets() {
        Options o = OptionsParser.parse(new String[] {"--rate", "100", "http://127.0.0.1:8080", "http://127.0.0.1:8081"}, true);
        assertThat(o.targets()).hasSize(2);
        assertThat(o.rounds()).isEqualTo(3);
    }

    @Test
    void rejectsBadOptionsWithAClearMessage() {
        assertUsage("unknown option --rat", "--rat", "5");
        assertUsage("needs a value", "--rate");
        assertUsage("cannot be combined", "--users", "5", "--rate", "10");
        assertUsage("unknown scenario", "--scenario", "shop");
        assertUsage("--duration", "--duration", "10");
        assertUsage("more than 0", "--rate", "0");
        assertUsage("FROM:TO", "--ramp", "100");
        assertUsage("--slo", "--slo", "p99<<5ms");
        assertUsage("unknown transport", "--transport", "grpc");
        assertUsage("bad URL", "--url", "127.0.0.1:8080");
        assertUsage("--mix applies", "--mix", "browse=1");
        assertUsage("given twice", "--rate", "1", "--rate", "2");
    }

    private static void assertUsage(String message, String... args) {
        assertThatThrownBy(() -> OptionsParser.parse(args, false))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining(message);
    }
}
