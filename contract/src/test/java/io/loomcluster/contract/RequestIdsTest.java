package io.loomcluster.contract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"trace-123", "0af7651916cd43dd8448eb211c80319c", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "svc.a:req_42", "f47ac10b-58cc-4372-a567-0e02b2c3d479"})
    void idsOfLettersDigitsAndDotUnderscoreColonDashAreKept(String id) {
        assertThat(RequestIds.acceptable(id)).isTrue();
        assertThat(RequestIds.acceptOrCreate(id)).isSameAs(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "with space", "tab\there", "quote\"d", "k=v", "a;b", "a/b", "line\nbreak", "caf\u00e9",
            "Root=1-5759e988-bd862e3fe1be46a994272793"})
    void idsWithAnyOtherCharacterAreReplaced(String id) {
        assertThat(RequestIds.acceptable(id)).isFalse();
        assertThat(RequestIds.acceptOrCreate(id)).isNotEqualTo(id).satisfies(RequestIdsTest::isVersion4Uuid);
    }

    @Test
    void idsUpTo128CharactersAreKeptLongerOnesReplaced() {
        assertThat(RequestIds.acceptable("a".repeat(128))).isTrue();
        assertThat(RequestIds.acceptable("a".repeat(129))).isFalse();
    }

    @Test
    void aMissingIdGetsAFreshVersion4UuidThatTheRuleItselfAccepts() {
        String first = RequestIds.acceptOrCreate(null);
        String second = RequestIds.acceptOrCreate(null);

        isVersion4Uuid(first);
        assertThat(second).isNotEqualTo(first);
        assertThat(RequestIds.acceptable(first)).isTrue();
    }

    private static void isVersion4Uuid(String id) {
        UUID uuid = UUID.fromString(id);
        assertThat(uuid.version()).isEqualTo(4);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(uuid.toString()).isEqualTo(id);
    }
}
