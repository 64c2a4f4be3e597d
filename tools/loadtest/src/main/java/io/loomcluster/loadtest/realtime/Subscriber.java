package io.loomcluster.loadtest.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.loadtest.api.Failures;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Ticket;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A live subscriber to one room on one virtual thread: keeps its channel open, reconnects after a failure
 * from the last message it saw (so nothing is lost across reconnects), and records each message of the run
 * as a delivery. Only its own thread touches {@code lastId}.
 */
public final class Subscriber implements AutoCloseable {
    private static final long RECONNECT_PAUSE_MILLIS = 500;

    private final Channel channel;
    private final Deliveries deliveries;
    private final Metrics metrics;
    private final String operation;
    private final String transport;
    private final int target;
    private final Ticket firstConnect;
    private final CountDownLatch connected = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile long lastId;
    private long attemptStartNanos;

    /**
     * {@code firstConnect}, when not null, is the measured operation that ends when the first connect does;
     * {@code transport} and {@code target} (the target's index) name the path of this subscriber's deliveries.
     */
    Subscriber(Channel channel, Deliveries deliveries, Metrics metrics, long afterId, String operation,
               String transport, int target, Ticket firstConnect) {
        this.channel = channel;
        this.deliveries = deliveries;
        this.metrics = metrics;
        this.operation = operation;
        this.transport = transport;
        this.target = target;
        this.firstConnect = firstConnect;
        this.lastId = afterId;
    }

    public Subscriber start() {
        thread = Thread.ofVirtual().name("subscriber").start(this::loop);
        return this;
    }

    private void loop() {
        while (!closed) {
            attemptStartNanos = System.nanoTime();
            try {
                channel.run(lastId, this);
                if (!closed) {
                    failed(Failures.CLOSED);
                }
            } catch (IOException e) {
                if (!closed) {
                    failed(e instanceof SubscriptionException ? e.getMessage() : Failures.cause(e));
                }
            } catch (InterruptedException e) {
                return;
            }
            if (!closed && !pause()) {
                return;
            }
        }
    }

    private void failed(String cause) {
        if (firstConnect != null && !firstConnect.isDone()) {
            firstConnect.failure(operation, cause, System.nanoTime());
        } else {
            metrics.subscriberError(cause);
        }
    }

    private boolean pause() {
        try {
            // Back off before reconnecting so that a refusing server is not hammered by every subscriber.
            Thread.sleep(RECONNECT_PAUSE_MILLIS);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** The channel is established; {@code instance} is the server's X-Instance-Id, or the address. */
    void connected(String instance) {
        long now = System.nanoTime();
        if (firstConnect != null && !firstConnect.isDone()) {
            // "Established" is this operation's success, whatever the status code of the upgrade was.
            firstConnect.response(operation, 200, instance, now);
        }
        metrics.connected(now - attemptStartNanos, instance);
        connected.countDown();
    }

    void message(JsonNode message, long receivedNanos) {
        long id = message.path("id").asLong();
        String text = message.path("text").asText();
        if (id <= lastId) {
            deliveries.duplicate(text);
            return;
        }
        lastId = id;
        deliveries.received(text, receivedNanos, transport, target);
    }

    public boolean awaitConnected(long timeout, TimeUnit unit) throws InterruptedException {
        return connected.await(timeout, unit);
    }

    @Override
    public void close() {
        closed = true;
        channel.close();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
