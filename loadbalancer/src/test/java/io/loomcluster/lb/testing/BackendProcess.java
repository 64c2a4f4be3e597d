package io.loomcluster.lb.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.testing.ManagedProcess;

import java.net.URI;
import java.time.Duration;

/** A running {@link TestBackend}: its process and its base URL, with its control endpoints. */
public record BackendProcess(String id, ManagedProcess process, URI url) implements AutoCloseable {

    private LoomClient control() {
        return LoomClient.builder(url).timeout(Duration.ofSeconds(10)).retry(RetryPolicy.NONE).build();
    }

    public JsonNode stats() {
        try (LoomClient client = control()) {
            return client.send(Request.get("/control/stats")).json();
        }
    }

    public void control(String pathAndQuery) {
        try (LoomClient client = control()) {
            Reply reply = client.send(Request.get(pathAndQuery));
            if (reply.status() != 200) {
                throw new AssertionError("control " + pathAndQuery + " of " + id + ": " + reply.describe());
            }
        }
    }

    /** Starts the process again on the same port after a kill, and waits until it answers. */
    public void restart() {
        process.start().awaitReady(BalancerFixture.START_TIMEOUT);
    }

    @Override
    public void close() {
        process.close();
    }
}
