package io.loomcluster.loadtest.realtime;

import io.loomcluster.client.Message;
import io.loomcluster.client.Session;
import io.loomcluster.client.Subscription;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Ticket;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A live subscriber to one room, measured: the client library's {@link Subscription} keeps it
 * connected and resumes after the last message (so nothing is lost across reconnects); this records
 * connection set-ups, failures by cause, and each message of the run as a delivery with its latency.
 */
public final class Subscriber implements Subscription.Listener, AutoCloseable {
    private final Session session;
    private final long roomId;
    private final long afterId;
    private final io.loomcluster.client.Transport transport;
    private final Deliveries deliveries;
    private final Metrics metrics;
    private final String operation;
    private final String path;
    private final int target;
    private final Ticket firstConnect;
    private final CountDownLatch connected = new CountDownLatch(1);
    private volatile long attemptStartNanos;
    private volatile Subscription subscription;

    /**
     * {@code firstConnect}, when not null, is the measured operation that ends when the first connect does;
     * {@code path} and {@code target} (the target's index) name the path of this subscriber's deliveries.
     */
    Subscriber(Session session, long roomId, long afterId, io.loomcluster.client.Transport transport,
               Deliveries deliveries, Metrics metrics, String operation, String path, int target, Ticket firstConnect) {
        this.session = session;
        this.roomId = roomId;
        this.afterId = afterId;
        this.transport = transport;
        this.deliveries = deliveries;
        this.metrics = metrics;
        this.operation = operation;
        this.path = path;
        this.target = target;
        this.firstConnect = firstConnect;
    }

    public Subscriber start() {
        subscription = session.subscribe(roomId, afterId, transport, this);
        return this;
    }

    @Override
    public void connecting() {
        attemptStartNanos = System.nanoTime();
    }

    @Override
    public void connected(String instance) {
        long now = System.nanoTime();
        if (firstConnect != null && !firstConnect.isDone()) {
            // "Established" is this operation's success, whatever the status code of the upgrade was.
            firstConnect.response(operation, 200, instance, now);
        }
        metrics.connected(now - attemptStartNanos, instance);
        connected.countDown();
    }

    @Override
    public void message(Message message, long receivedNanos) {
        deliveries.received(message.text(), receivedNanos, path, target);
    }

    @Override
    public void duplicate(Message message) {
        deliveries.duplicate(message.text());
    }

    @Override
    public void disconnected(String cause) {
        if (firstConnect != null && !firstConnect.isDone()) {
            firstConnect.failure(operation, cause, System.nanoTime());
        } else {
            metrics.subscriberError(cause);
        }
    }

    public boolean awaitConnected(long timeout, TimeUnit unit) throws InterruptedException {
        return connected.await(timeout, unit);
    }

    @Override
    public void close() {
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }
}
