package io.loomcluster.contract;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvTest {

    @Test
    void durationsTakeMillisecondsSecondsMinutesAndHours() {
        Env env = new Env(Map.of("A", "250ms", "B", "10s", "C", "1m", "D", "1h"));

        assertThat(env.duration("A", Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
        assertThat(env.duration("B", Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
        assertThat(env.duration("C", Duration.ZERO)).isEqualTo(Duration.ofMinutes(1));
        assertThat(env.duration("D", Duration.ZERO)).isEqualTo(Duration.ofHours(1));
        assertThat(env.duration("UNSET", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aWrongValueIsNamedWithWhatIsExpected() {
        Env env = new Env(Map.of("T", "10", "S", "-5s", "M", "5ms", "N", "ten", "Z", "lots", "B", "maybe"));

        assertThatThrownBy(() -> env.duration("T", Duration.ZERO))
                .hasMessage("T=10 is invalid; expected a duration such as 500ms, 30s, 5m or 1h");
        assertThatThrownBy(() -> env.duration("S", Duration.ZERO)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> env.duration("M", Duration.ZERO, Duration.ofMillis(10)))
                .hasMessage("M=5ms is invalid; expected a duration such as 500ms, 30s, 5m or 1h, at least 10ms");
        assertThatThrownBy(() -> env.integer("N", 1, 1, 9)).hasMessage("N=ten is invalid; expected a whole number from 1 to 9");
        assertThatThrownBy(() -> env.bytes("Z", 1, 0)).hasMessageStartingWith("Z=lots is invalid; expected a size");
        assertThatThrownBy(() -> env.bool("B", false)).hasMessage("B=maybe is invalid; expected true or false (or on/off)");
        assertThatThrownBy(() -> env.required("GONE", "a value")).hasMessage("GONE is not set; expected a value");
    }

    @Test
    void sizesListsAndBooleans() {
        Env env = new Env(Map.of("S", "64KiB", "L", " a, ,b ,c", "Y", "yes", "P", "  "));

        assertThat(env.bytes("S", 0, 0)).isEqualTo(64 * 1024);
        assertThat(env.list("L", null)).isEqualTo(List.of("a", "b", "c"));
        assertThat(env.bool("Y", false)).isTrue();
        assertThat(env.port("P", 8081)).as("blank counts as unset").isEqualTo(8081);
    }

    @Test
    void switchesTakeOnAndOffAsWellAsTrueAndFalse() {
        Env env = new Env(Map.of("A", "on", "B", "OFF", "C", "true", "D", "0", "E", "No"));

        assertThat(env.bool("A", false)).isTrue();
        assertThat(env.bool("B", true)).isFalse();
        assertThat(env.bool("C", false)).isTrue();
        assertThat(env.bool("D", true)).isFalse();
        assertThat(env.bool("E", true)).isFalse();
        assertThat(env.bool("UNSET", true)).isTrue();
    }

    @Test
    void aRemovedSettingIsRefusedNamingWhatReplacedItButOnlyWhenSet() {
        Env env = new Env(Map.of("OLD", "200", "BLANK", " "));

        assertThatThrownBy(() -> env.removed("OLD", "use NEW instead"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("OLD=200 is no longer supported; use NEW instead");
        env.removed("BLANK", "use NEW instead");
        env.removed("UNSET", "use NEW instead");
    }

    @Test
    void cidrEntriesThatAreNotAddressesAreRefused() {
        Env env = new Env(Map.of("T", "10.0.0.0/8,proxy.local"));

        assertThatThrownBy(() -> env.cidrs("T", ""))
                .hasMessageStartingWith("T has an invalid entry 'proxy.local'");
    }
}
