package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.metrics.Metrics;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivery latency: the sender writes its intended send time ({@link System#nanoTime()}) into the message
 * text, a subscriber on another connection reads it back on receipt. Sender and receivers share this JVM,
 * so the two clock readings are comparable. The tag carries the run's id so that messages of other runs
 * and the seed messages are ignored.
 */
public final class Deliveries {
    private final String prefix;
    private final Metrics metrics;
    private final LongAdder[] postsByRoom;
    private final AtomicIntegerArray subscribersByRoom;

    public Deliveries(String runId, Metrics metrics, int rooms) {
        this.prefix = "lt:" + runId + ":";
        this.metrics = metrics;
        this.postsByRoom = new LongAdder[rooms];
        for (int r = 0; r < rooms; r++) {
            postsByRoom[r] = new LongAdder();
        }
        this.subscribersByRoom = new AtomicIntegerArray(rooms);
    }

    /** The text of a message sent at {@code intendedNanos}: {@code lt:<run>:<nanos>:<payload>}. */
    public String tag(long intendedNanos, String payload) {
        return prefix + intendedNanos + ":" + payload;
    }

    /** The send time carried by a message text of this run, or -1 for any other text. */
    public long sentNanos(String text) {
        if (text == null || !text.startsWith(prefix)) {
            return -1;
        }
        int end = text.indexOf(':', prefix.length());
        try {
            return Long.parseLong(text, prefix.length(), end < 0 ? text.length() : end, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    void received(String text, long receivedNanos) {
        long sent = sentNanos(text);
        if (sent >= 0) {
            metrics.delivered(receivedNanos - sent);
        }
    }

    void duplicate(String text) {
        if (sentNanos(text) >= 0) {
            metrics.duplicate();
        }
    }

    /** Called once per subscriber when it is created. */
    void subscribed(int roomIndex) {
        subscribersByRoom.incrementAndGet(roomIndex);
    }

    /** A message of this run was accepted (201) in the room. */
    public void posted(int roomIndex) {
        postsByRoom[roomIndex].increment();
    }

    /** Deliveries owed so far: each accepted post times the subscribers of its room. */
    public long expected() {
        long total = 0;
        for (int r = 0; r < postsByRoom.length; r++) {
            total += postsByRoom[r].sum() * subscribersByRoom.get(r);
        }
        return total;
    }

    public long posts() {
        long total = 0;
        for (LongAdder posts : postsByRoom) {
            total += posts.sum();
        }
        return total;
    }
}
