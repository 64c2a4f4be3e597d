package io.loomcluster.app.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class OriginsTest {

    @ParameterizedTest
    @CsvSource({
            "https://Chat.Example.com, https://chat.example.com",
            "HTTPS://chat.example.com:443, https://chat.example.com",
            "http://chat.example.com:80, http://chat.example.com",
            "http://127.0.0.1:8080, http://127.0.0.1:8080",
            "https://chat.example.com/, https://chat.example.com",
            "http://[::1]:8080, http://[::1]:8080"})
    void originsAreComparedInOneCanonicalForm(String origin, String canonical) {
        assertThat(Origins.normalise(origin)).hasValue(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "chat.example.com", "ftp://chat.example.com", "https://", "https://user@chat.example.com",
            "https://chat.example.com/path", "https://chat.example.com?q=1", "https://chat.example.com#x", "http://[::1",
            "javascript:alert(1)", "file:///etc/passwd"})
    void anythingButAnHttpOriginIsNotAnOrigin(String value) {
        assertThat(Origins.normalise(value)).isEmpty();
    }
}
