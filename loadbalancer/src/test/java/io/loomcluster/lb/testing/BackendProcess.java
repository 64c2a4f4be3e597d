package io.loomcluster.lb.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.testing.ManagedProcess;

import java.net.URI;

/** A running {@link TestBackend}: its process and its base URL, with its control endpoints. */
public record BackendProcess(String id, ManagedProcess process, URI url) implements AutoCloseable {

    public JsonNode stats() {
        return Http.json(Http.get(url.resolve("/control/stats")).body());
    }

    public void control(String pathAndQuery) {
        Http.expect200(Http.get(url.resolve(pathAndQuery)));
    }

    /** Starts the process again on the same port after a kill, and waits until it answers. */
    public void restart() {
        process.start().awaitReady(Processes.START_TIMEOUT);
    }

    @Override
    public void close() {
        process.close();
    }
}
