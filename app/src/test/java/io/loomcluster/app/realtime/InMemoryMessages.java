package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/** One room's messages in memory, ids 1, 2, 3...; each read takes a little while, as a database's would. */
final class InMemoryMessages implements FeedSource<Message> {
    static final long ROOM = 7;

    private final List<Message> messages = new ArrayList<>();
    private final Signals signals;
    private final long readNanos;
    private final AtomicInteger reads = new AtomicInteger();

    InMemoryMessages(Signals signals, long readNanos) {
        this.signals = signals;
        this.readNanos = readNanos;
    }

    /** Appends one message and announces it, as a post does. */
    long post() {
        long id;
        synchronized (messages) {
            id = messages.size() + 1;
            messages.add(Message.posted(id, ROOM, 1, "alice", "message " + id, Instant.EPOCH));
        }
        signals.signal(ROOM);
        return id;
    }

    long head() {
        synchronized (messages) {
            return messages.size();
        }
    }

    /** Reads made so far (what a database would have been asked). */
    int reads() {
        return reads.get();
    }

    @Override
    public List<Message> after(long roomId, long afterId, int limit) {
        reads.incrementAndGet();
        if (readNanos > 0) {
            LockSupport.parkNanos(readNanos);
        }
        synchronized (messages) {
            int from = (int) Math.min(Math.max(afterId, 0), messages.size());
            return List.copyOf(messages.subList(from, Math.min(messages.size(), from + limit)));
        }
    }
}
