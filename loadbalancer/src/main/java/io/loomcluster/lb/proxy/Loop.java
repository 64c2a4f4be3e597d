package io.loomcluster.lb.proxy;

import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendState;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Ticker;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one event loop owns: its client connections and its pools of backend connections (one per
 * backend). Only the loop's own thread touches these, so nothing here is locked; a client
 * connection and the backend connections serving it live on the same loop, and an exchange never
 * changes threads.
 */
final class Loop {
    private static final long SWEEP_SECONDS = 1;

    final EventLoop eventLoop;
    /** The loop's clock (a test's is a mock one): every deadline of its connections reads it. */
    final Ticker ticker;
    final Services services;
    private final BackendConnector connector;
    private final int maxConnectionsPerBackend;
    private final int maxWaitingPerBackend;
    private final int maxStreamsPerBackend;
    private final long poolIdleNanos;
    private final Map<Backend, BackendConnections> pools = new HashMap<>();
    private final Set<ClientConnection> clients = new HashSet<>();
    /** HTTP/2 connections; their streams are in {@link #clients}. */
    private final Set<Channel> http2Connections = new HashSet<>();
    /** Open client connections, read by the metrics from another thread. */
    final AtomicInteger clientCount = new AtomicInteger();
    private boolean draining;
    /** Completed (on this loop) once it drains and its last client connection has closed. */
    final CompletableFuture<Void> drained = new CompletableFuture<>();

    Loop(EventLoop eventLoop, Services services, BackendConnector connector, int loops, long poolIdleNanos) {
        this.eventLoop = eventLoop;
        this.ticker = eventLoop.ticker();
        this.services = services;
        this.connector = connector;
        // Each loop gets its share of the per-backend bounds (at least one connection and one place in line).
        this.maxConnectionsPerBackend = Math.max(1, services.limits().maxConnectionsPerBackend() / loops);
        this.maxWaitingPerBackend = Math.max(1, services.limits().maxQueuedPerBackend() / loops);
        this.maxStreamsPerBackend = Math.max(1, services.limits().maxStreamsPerBackend() / loops);
        this.poolIdleNanos = poolIdleNanos;
        eventLoop.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    BackendConnections pool(Backend backend) {
        BackendConnections pool = pools.get(backend);
        if (pool == null) {
            pool = new BackendConnections(backend, connector, ticker, maxConnectionsPerBackend, maxWaitingPerBackend,
                    maxStreamsPerBackend, poolIdleNanos);
            pools.put(backend, pool);
        }
        return pool;
    }

    void opened(ClientConnection client) {
        clients.add(client);
        clientCount.incrementAndGet();
        if (draining) {
            client.drain();
        }
    }

    void closed(ClientConnection client) {
        if (clients.remove(client)) {
            clientCount.decrementAndGet();
        }
        if (draining && clients.isEmpty()) {
            drained.complete(null);
        }
    }

    void openedHttp2(Channel connection) {
        http2Connections.add(connection);
        if (draining) {
            connection.close();
        }
    }

    void closedHttp2(Channel connection) {
        http2Connections.remove(connection);
    }

    /**
     * Shutdown: idle client connections close now, busy ones after their response; HTTP/2
     * connections send GOAWAY and close when their open streams are done.
     */
    void drain() {
        draining = true;
        for (Channel connection : List.copyOf(http2Connections)) {
            connection.close();
        }
        for (ClientConnection client : List.copyOf(clients)) {
            client.drain();
        }
        pools.values().forEach(BackendConnections::closeIdle);
        if (clients.isEmpty()) {
            drained.complete(null);
        }
    }

    // Closes pooled connections idle too long, and forgets the pools of backends no longer discovered.
    private void sweep() {
        long now = ticker.nanoTime();
        for (Iterator<Map.Entry<Backend, BackendConnections>> it = pools.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Backend, BackendConnections> entry = it.next();
            boolean removed = entry.getKey().state() == BackendState.REMOVED;
            if (removed) {
                entry.getValue().closeIdle();
            }
            if (entry.getValue().sweep(now) && removed) {
                it.remove();
            }
        }
    }
}
