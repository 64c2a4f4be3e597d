package io.loomcluster.lb.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.dev.testing.Await;
import io.loomcluster.dev.testing.ManagedProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

/** A running balancer process: its public and admin ports, and what its {@code /status} says. */
public record Balancer(ManagedProcess process, int port, int adminPort) implements AutoCloseable {

    public URI url(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    public JsonNode status() {
        return Http.json(Http.get(URI.create("http://127.0.0.1:" + adminPort + "/status")).body());
    }

    /** The state the balancer reports for a backend, or "absent". */
    public String stateOf(BackendProcess backend) {
        for (JsonNode b : status().get("backends")) {
            if (b.get("url").asText().equals(backend.url().toString())) {
                return b.get("state").asText();
            }
        }
        return "absent";
    }

    public void awaitState(BackendProcess backend, String state) {
        Await.until(backend.id() + " to be " + state + " in the balancer (log: " + process.log() + ")",
                Duration.ofSeconds(20), () -> stateOf(backend).equals(state));
    }

    /** Stops the balancer; fails when Netty's leak detector reported a buffer never released. */
    @Override
    public void close() {
        process.close();
        try {
            List<String> leaks = Files.readAllLines(process.log()).stream().filter(l -> l.contains("LEAK:")).toList();
            if (!leaks.isEmpty()) {
                throw new AssertionError("the balancer leaked buffers (log: " + process.log() + "): " + leaks);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
