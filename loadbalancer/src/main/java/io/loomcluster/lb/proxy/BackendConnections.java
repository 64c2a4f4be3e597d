package io.loomcluster.lb.proxy;

import io.loomcluster.lb.backend.Backend;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.concurrent.Ticker;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The keep-alive connections of one event loop to one backend. Only that loop's thread touches it,
 * so it has no locks: an exchange on the loop takes an idle connection, opens a new one while fewer
 * than its share of {@code LB_MAX_CONNECTIONS_PER_BACKEND} are open, or waits in a short queue
 * ({@code LB_MAX_QUEUED_PER_BACKEND}, shared out the same way); beyond that it fails at once.
 * The newest idle connection is reused first, so surplus ones age out after {@code LB_POOL_IDLE_TIMEOUT}.
 *
 * <p>Long-lived streams (event streams, WebSockets, requests of a streams pool) are counted apart,
 * against their share of {@code LB_MAX_STREAMS_PER_BACKEND}: they hold a connection for minutes, and
 * a bound sized for short requests would refuse the thousand-and-first listener. A stream takes an
 * idle connection or opens its own and never waits; an event stream that ends cleanly gives its
 * connection back to the pool while the pool has room.
 */
final class BackendConnections {
    final Backend backend;
    private final BackendConnector connector;
    private final Ticker ticker;
    private final int maxConnections;
    private final int maxWaiting;
    private final int maxStreams;
    private final long idleNanos;
    private final ArrayDeque<BackendHandler> idle = new ArrayDeque<>();
    private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
    /** Pooled connections open or being opened (streams are not counted here). */
    private int open;
    /** Connections carrying a long-lived stream, open or being opened. */
    private int streams;

    BackendConnections(Backend backend, BackendConnector connector, Ticker ticker, int maxConnections, int maxWaiting,
                       int maxStreams, long idleNanos) {
        this.backend = backend;
        this.connector = connector;
        this.ticker = ticker;
        this.maxConnections = maxConnections;
        this.maxWaiting = maxWaiting;
        this.maxStreams = maxStreams;
        this.idleNanos = idleNanos;
    }

    /** Hands {@code exchange} a connection now or later ({@link Exchange#connected}), or fails it. */
    void acquire(Exchange exchange) {
        BackendHandler connection;
        while ((connection = idle.pollLast()) != null) {
            if (connection.channel().isActive()) {
                exchange.connected(connection);
                return;
            }
        }
        if (open < maxConnections) {
            open++;
            connect(exchange, false, false);
        } else if (waiting.size() < maxWaiting) {
            waiting.addLast(exchange);
        } else {
            exchange.attemptFailed(Failure.QUEUE_FULL, null);
        }
    }

    /**
     * A connection for a long-lived stream: an idle one, or one of its own; {@code dedicated} (a
     * WebSocket upgrade) never goes back to the pool. Fails at once at the streams bound.
     */
    void acquireStream(Exchange exchange, boolean dedicated) {
        if (streams >= maxStreams) {
            exchange.attemptFailed(Failure.STREAMS_FULL, null);
            return;
        }
        streams++;
        if (!dedicated) {
            BackendHandler connection;
            while ((connection = idle.pollLast()) != null) {
                if (connection.channel().isActive()) {
                    open--;
                    connection.stream(true);
                    exchange.connected(connection);
                    return;
                }
            }
        }
        connect(exchange, dedicated, true);
    }

    /** Streams open or being opened on this loop. */
    int streams() {
        return streams;
    }

    /** An exchange that waits for a connection gave up (its client left or timed out). */
    void cancel(Exchange exchange) {
        waiting.remove(exchange);
    }

    /** The response is complete and the connection may carry another request. */
    void release(BackendHandler connection) {
        if (connection.stream()) {
            // A stream's connection rejoins the pool only while the pool has room.
            streams--;
            connection.stream(false);
            if (open >= maxConnections) {
                connection.channel().close();
                return;
            }
            open++;
        }
        Exchange next = waiting.pollFirst();
        if (next != null) {
            next.connected(connection);
        } else {
            connection.idleSince(ticker.nanoTime());
            idle.addLast(connection);
        }
    }

    /** The channel of a pooled connection closed (either side). */
    void closed(BackendHandler connection) {
        if (connection.stream()) {
            connection.stream(false);
            streams--;
            return;
        }
        if (connection.dedicated()) {
            return;
        }
        open--;
        idle.remove(connection);
        Exchange next = waiting.pollFirst();
        if (next != null) {
            open++;
            connect(next, false, false);
        }
    }

    /** Closes connections idle for longer than the pool's idle timeout; true when none is left at all. */
    boolean sweep(long now) {
        for (Iterator<BackendHandler> it = idle.iterator(); it.hasNext(); ) {
            BackendHandler connection = it.next();
            if (now - connection.idleSince() >= idleNanos) {
                it.remove();
                connection.channel().close();
            }
        }
        return open == 0 && waiting.isEmpty();
    }

    /** Closes every idle connection (the backend was removed, or the balancer stops). */
    void closeIdle() {
        BackendHandler connection;
        while ((connection = idle.pollFirst()) != null) {
            connection.channel().close();
        }
    }

    private void connect(Exchange exchange, boolean dedicated, boolean stream) {
        BackendHandler handler = new BackendHandler(this, dedicated);
        handler.stream(stream);
        ChannelFuture future = connector.connect(backend, handler);
        future.addListener(f -> {
            if (f.isSuccess()) {
                exchange.connected(handler);
            } else {
                // closed() is not called for a channel that never connected
                if (stream) {
                    handler.stream(false);
                    streams--;
                } else if (!dedicated) {
                    open--;
                }
                exchange.attemptFailed(f.cause() instanceof ConnectTimeoutException
                        ? Failure.CONNECT_TIMEOUT : Failure.CONNECT_FAILED, f.cause());
                Exchange next = stream || dedicated ? null : waiting.pollFirst();
                if (next != null) {
                    open++;
                    connect(next, false, false);
                }
            }
        });
    }
}
