package io.loomcluster.chaos;

import io.loomcluster.client.Message;
import io.loomcluster.client.Session;
import io.loomcluster.client.Subscription;
import io.loomcluster.client.Transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A live subscriber of one room that does what docs/guarantees.md asks of clients (the client library's
 * {@link Subscription}: reconnect when the stream ends, resume after the last id seen), and counts
 * what it received, what came twice and how often it had to reconnect.
 */
public final class LiveFollower implements Subscription.Listener, AutoCloseable {
    private final Set<Long> received = ConcurrentHashMap.newKeySet();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder outOfOrder = new LongAdder();
    private volatile long lastId = -1;
    private final Subscription subscription;

    public LiveFollower(Session session, long roomId, Transport transport) {
        this.subscription = session.subscribe(roomId, -1, transport, this);
    }

    @Override
    public void message(Message message, long receivedNanos) {
        if (!received.add(message.id())) {
            duplicates.increment();
        } else if (message.id() < lastId) {
            outOfOrder.increment();
        }
        lastId = Math.max(lastId, message.id());
    }

    /** Messages that arrived after one with a higher id (a room's ids grow in commit order). */
    public long outOfOrder() {
        return outOfOrder.sum();
    }

    @Override
    public void duplicate(Message message) {
        duplicates.increment();
    }

    public boolean isConnected() {
        return subscription.isConnected();
    }

    public Set<Long> received() {
        return Set.copyOf(received);
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public long reconnects() {
        return subscription.reconnects();
    }

    public long roomId() {
        return subscription.roomId();
    }

    public Transport transport() {
        return subscription.transport();
    }

    @Override
    public void close() {
        subscription.close();
    }
}
