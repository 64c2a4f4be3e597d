package io.loomcluster.app.discovery;

import io.loomcluster.app.config.AppConfig;
import io.loomcluster.app.config.Roles;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistrationKeysTest {
    private static final Map<String, String> BASE = Map.of("DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/loom",
            "REDIS_URL", "redis://127.0.0.1:6379");

    private static Registration registration(Set<String> roles) {
        return new Registration(null, "http://127.0.0.1:8081", new Roles(roles.stream()
                .map(r -> Roles.Role.valueOf(r.toUpperCase(java.util.Locale.ROOT))).collect(java.util.stream.Collectors.toSet())),
                Clock.systemUTC());
    }

    @Test
    void anInstanceRegistersUnderTheDefaultKeyAndEachHttpRoleItServes() {
        assertThat(registration(Set.of("api", "streams", "worker")).keys())
                .containsExactly("loom:lb:backends", "loom:lb:backends:api", "loom:lb:backends:streams");
        assertThat(registration(Set.of("streams")).keys()).containsExactly("loom:lb:backends", "loom:lb:backends:streams");
    }

    @Test
    void aWorkerOnlyInstanceIsNotABackend() {
        assertThat(registration(Set.of("worker")).keys()).isEmpty();
    }

    @Test
    void theRoleDefaultsToEverythingAndAnUnknownOneIsRefused() {
        assertThat(AppConfig.fromEnvironment(BASE).roles().names()).containsExactlyInAnyOrder("api", "streams", "worker");
        Map<String, String> streams = new java.util.HashMap<>(BASE);
        streams.put("ROLE", "streams");
        assertThat(AppConfig.fromEnvironment(streams).roles().names()).containsExactly("streams");
        streams.put("ROLE", "api,frontend");
        assertThatThrownBy(() -> AppConfig.fromEnvironment(streams))
                .hasMessageStartingWith("ROLE=api,frontend is invalid; expected a comma-separated list of api, streams, worker");
    }
}
