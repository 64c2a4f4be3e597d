package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.metrics.Metrics;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivery latency: the sender writes its intended send time ({@link System#nanoTime()}) into the message
 * text, a subscriber on another connection reads it back on receipt. Sender and receivers share this JVM,
 * so the two clock readings are comparable. The tag carries the run's id so that messages of other runs
 * and the seed messages are ignored, and the index of the target it was posted to, so that each delivery is
 * also recorded by path: the subscriber's transport, and whether it was served by the same target as the
 * post ({@code same-target}) or another one ({@code cross-target}; cross-instance when the targets are
 * instances).
 */
public final class Deliveries {
    private final String prefix;
    private final Metrics metrics;
    private final LongAdder[] postsByRoom;
    private final AtomicIntegerArray subscribersByRoom;
    private final List<URI> targets;

    /** With a single target (or none given) deliveries are split by transport only. */
    public Deliveries(String runId, Metrics metrics, int rooms) {
        this(runId, metrics, rooms, List.of());
    }

    public Deliveries(String runId, Metrics metrics, int rooms, List<URI> targets) {
        this.prefix = "lt:" + runId + ":";
        this.metrics = metrics;
        this.postsByRoom = new LongAdder[rooms];
        for (int r = 0; r < rooms; r++) {
            postsByRoom[r] = new LongAdder();
        }
        this.subscribersByRoom = new AtomicIntegerArray(rooms);
        this.targets = List.copyOf(targets);
    }

    /**
     * The text of a message sent at {@code intendedNanos} to {@code origin}:
     * {@code lt:<run>:<nanos>:<target index>:<payload>}.
     */
    public String tag(long intendedNanos, URI origin, String payload) {
        return prefix + intendedNanos + ":" + target(origin) + ":" + payload;
    }

    /** The index of a target URL, or -1 when it is not one of the run's targets. */
    int target(URI base) {
        return targets.indexOf(base);
    }

    /** The delivery path of a message of this run received over {@code transport} from {@code target}. */
    String path(String text, String transport, int target) {
        int from = text.indexOf(':', prefix.length());
        int to = from < 0 ? -1 : text.indexOf(':', from + 1);
        if (targets.size() < 2 || target < 0 || to < 0) {
            return transport;
        }
        int origin;
        try {
            origin = Integer.parseInt(text, from + 1, to, 10);
        } catch (NumberFormatException e) {
            return transport;
        }
        return origin < 0 ? transport : transport + (origin == target ? " same-target" : " cross-target");
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

    void received(String text, long receivedNanos, String transport, int target) {
        long sent = sentNanos(text);
        if (sent >= 0) {
            metrics.delivered(receivedNanos - sent, path(text, transport, target));
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
