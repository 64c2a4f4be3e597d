package io.loomcluster.app.security;

import io.loomcluster.client.Json;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Passwords and session ids never reach the instances' logs, whatever the request did. */
class LogSecretsIT {
    private final TestCluster cluster = TestCluster.shared();

    @Test
    void passwordsAndSessionIdsAreNotLogged() {
        String password = "Pw-" + Long.toHexString(System.nanoTime()) + "-never-log-me";
        String wrongPassword = "Wrong-" + Long.toHexString(System.nanoTime()) + "-never-log-me";
        String name = TestUsers.uniqueUsername("secrets");
        Session client = TestUsers.at(cluster.appUrl(0));
        assertThat(client.post("/api/users", Json.object("username", name, "password", password)).status()).isEqualTo(201);
        assertThat(client.login(name, wrongPassword).status()).isEqualTo(401);
        assertThat(client.login(name, password).status()).isEqualTo(200);
        String session = client.cookie().orElseThrow();
        Session other = client.on(cluster.appUrl(1));
        assertThat(other.get("/api/session").status()).isEqualTo(200);
        // Bad input that carries the password: a malformed body, and a field of the wrong type.
        other.post("/api/session", "{\"username\":\"" + name + "\",\"password\":\"" + password + "\",}");
        other.post("/api/users", "{\"username\":[\"" + password + "\"],\"password\":\"" + password + "\"}");
        assertThat(client.delete("/api/session").status()).isEqualTo(204);

        List<Path> logs = logFiles();
        assertThat(logs).isNotEmpty();
        for (Path log : logs) {
            String text = read(log);
            assertThat(text).as(log.toString()).doesNotContain(password).doesNotContain(wrongPassword)
                    .doesNotContain(session);
        }
    }

    private List<Path> logFiles() {
        try (Stream<Path> files = Files.walk(cluster.logDir())) {
            return files.filter(p -> p.toString().endsWith(".log")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path log) {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
