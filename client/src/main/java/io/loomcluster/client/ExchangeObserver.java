package io.loomcluster.client;

import java.util.List;
import java.util.ServiceLoader;

/**
 * Sees every exchange a {@link LoomClient} makes: each reply as it arrives, each event of a stream.
 * The test fixture registers one (through {@link ServiceLoader}) that checks every exchange against
 * the API's OpenAPI contract; an observer that throws an {@link AssertionError} fails the call that
 * caused it. Observers run on the calling thread and must be thread-safe.
 */
public interface ExchangeObserver {

    /** A complete exchange; for a stream, its status and headers once they arrived. */
    void exchanged(Exchange exchange);

    /** One event of a Server-Sent Events stream opened by {@code opened}. */
    default void event(Exchange opened, SseEvent event) {
    }

    /** One text message received on a WebSocket opened at {@code uri} ({@code ws://host:port/path?query}). */
    default void frame(java.net.URI uri, String text) {
    }

    /** One text message the client sends on a WebSocket opened at {@code uri}. */
    default void clientFrame(java.net.URI uri, String text) {
    }

    /** The observers on the class path ({@code META-INF/services/io.loomcluster.client.ExchangeObserver}). */
    static List<ExchangeObserver> discovered() {
        return Discovered.OBSERVERS;
    }

    /** Loaded once, on first use; immutable afterwards. */
    final class Discovered {
        private static final List<ExchangeObserver> OBSERVERS = ServiceLoader.load(ExchangeObserver.class).stream()
                .map(ServiceLoader.Provider::get).toList();

        private Discovered() {
        }
    }
}
