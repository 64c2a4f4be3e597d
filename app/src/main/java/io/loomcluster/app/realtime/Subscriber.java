package io.loomcluster.app.realtime;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The outgoing side of one live connection (SSE or WebSocket): a bounded queue filled by its
 * {@link Feed} (a room's messages, or a user's notifications) and drained by the connection's own
 * writer thread. A full queue makes the feed skip
 * the subscriber (it re-reads what it missed from PostgreSQL once the queue drains), so a slow
 * consumer never makes the feed wait and never grows memory; one whose queue stays full longer
 * than the slow-consumer timeout is dropped and can reconnect and replay from its last id.
 */
final class Subscriber<T> {
    enum Kind { SSE, WEBSOCKET, LONGPOLL }

    enum Offer { ACCEPTED, FULL, DROPPED }

    // Woken writer threads see this instead of an item: the subscription has ended.
    private static final Object CLOSED = new Object();

    // The key of its feed: the room of a message feed, the user of a notification feed.
    private final long key;
    private final long userId;
    // The session that opened the stream (null in unit tests): its end ends the stream (SessionStreams).
    private final String sessionId;
    private final Kind kind;
    private final int capacity;
    private final long slowTimeoutNanos;
    private final BlockingQueue<Object> queue;
    private final Runnable onOverflow;
    private final long openedNanos = System.nanoTime();
    private volatile Runnable onDrained = () -> { };
    // Highest item id queued for this subscriber; written only by the feed's pump thread.
    private volatile long queuedUpTo;
    private volatile long fullSince;
    private volatile boolean waitingForRoom;
    private volatile String closeReason;
    private volatile boolean sessionEnded;
    // Whether the client asked for ephemeral events (typing, presence, read) besides the log's changes.
    private volatile boolean ephemeral;

    Subscriber(long key, long userId, Kind kind, long after, int capacity, long slowTimeoutNanos, Runnable onOverflow) {
        this(key, userId, null, kind, after, capacity, slowTimeoutNanos, onOverflow);
    }

    Subscriber(long key, long userId, String sessionId, Kind kind, long after, int capacity, long slowTimeoutNanos,
               Runnable onOverflow) {
        this.key = key;
        this.userId = userId;
        this.sessionId = sessionId;
        this.kind = kind;
        this.queuedUpTo = after;
        this.capacity = capacity;
        this.slowTimeoutNanos = slowTimeoutNanos;
        // One slot more than the buffer, kept free for the CLOSED marker.
        this.queue = new ArrayBlockingQueue<>(capacity + 1);
        this.onOverflow = onOverflow;
    }

    /** The key of its feed: a room id, or a user id for notifications. */
    long key() {
        return key;
    }

    long userId() {
        return userId;
    }

    String sessionId() {
        return sessionId;
    }

    Kind kind() {
        return kind;
    }

    long openedNanos() {
        return openedNanos;
    }

    long queuedUpTo() {
        return queuedUpTo;
    }

    void takeEphemeral() {
        this.ephemeral = true;
    }

    boolean takesEphemeral() {
        return ephemeral;
    }

    void onDrained(Runnable callback) {
        this.onDrained = callback;
    }

    /** Called by the feed only, in id order; {@code id} is the item's. */
    Offer offer(T item, long id, long nowNanos) {
        if (closeReason != null) {
            return Offer.DROPPED;
        }
        if (queue.size() >= capacity) {
            waitingForRoom = true;
            if (fullSince == 0) {
                fullSince = nowNanos;
            } else if (nowNanos - fullSince > slowTimeoutNanos) {
                close("slow consumer: " + capacity + " events undelivered for too long; reconnect with the last id you received");
                onOverflow.run();
                return Offer.DROPPED;
            }
            return Offer.FULL;
        }
        if (!queue.offer(item)) {
            // Ephemeral events took the last places since the size was read: try again next pass.
            waitingForRoom = true;
            return Offer.FULL;
        }
        fullSince = 0;
        queuedUpTo = id;
        return Offer.ACCEPTED;
    }

    /**
     * An event that is not in the feed's order (typing, presence, a read marker): queued when there is
     * room, else dropped (false): it is ephemeral, and a full queue means the client is behind anyway.
     * Any thread may call it.
     */
    boolean offerEphemeral(T item) {
        if (closeReason != null || queue.size() >= capacity - 1) {
            return false;
        }
        return queue.offer(item);
    }

    /** The next item, or null after the timeout (time for a heartbeat) or when closed. */
    @SuppressWarnings("unchecked") // the queue holds only items offered as T, and the CLOSED marker
    T next(long timeoutMillis) throws InterruptedException {
        if (closeReason != null && queue.isEmpty()) {
            return null;
        }
        Object next = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (waitingForRoom && queue.size() <= capacity / 2) {
            waitingForRoom = false;
            onDrained.run();
        }
        return next == CLOSED ? null : (T) next;
    }

    void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
            queue.offer(CLOSED);
        }
    }

    /** The session that opened this stream ended (logged out or expired). */
    void endSession(String reason) {
        sessionEnded = true;
        close(reason);
    }

    boolean sessionEnded() {
        return sessionEnded;
    }

    boolean isClosed() {
        return closeReason != null;
    }

    String closeReason() {
        return closeReason;
    }
}
