package io.loomcluster.app.realtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.function.ToLongFunction;

/**
 * The live items of one key on this instance (the messages of a room, or the notifications of a
 * user): one pump thread reads PostgreSQL when something new was announced (here or on another
 * instance), when a subscriber is behind what the feed has read, or at a periodic re-check, and
 * fans the new items out to every local subscriber, each past its own last id. A new subscriber
 * costs one read; idle subscribers cost none, however many there are. Reading from PostgreSQL
 * rather than trusting the event payload keeps order and loses nothing, however events arrive; a
 * reconnecting subscriber's replay is the same read.
 */
final class Feed<T> {
    private static final Logger log = LoggerFactory.getLogger(Feed.class);
    static final int PAGE = 200;

    private final long key;
    private final FeedSource<T> source;
    private final ToLongFunction<T> idOf;
    private final Signals signals;
    private final IntConsumer fannedOut;
    private final int pageSize;
    private final long recheckMillis;
    private final Set<Subscriber<T>> subscribers = ConcurrentHashMap.newKeySet();
    private volatile CompletableFuture<Void> wake = new CompletableFuture<>();
    private volatile boolean stopped;
    // The highest id known to exist under the key; read and written by the pump thread.
    private volatile long head;
    // Passes of the pump that decided whether to read (tests wait on it to know a wake-up was handled).
    private volatile long passes;

    /**
     * {@code key} is a room id, or a user id for notifications; {@code idOf} an item's id, the order
     * of the source; {@code fannedOut} is told how many items each page read; {@code pageSize} is
     * {@link #PAGE} but in tests.
     */
    Feed(long key, FeedSource<T> source, ToLongFunction<T> idOf, Signals signals, IntConsumer fannedOut,
         int pageSize, long recheckMillis) {
        this.key = key;
        this.source = source;
        this.idOf = idOf;
        this.signals = signals;
        this.fannedOut = fannedOut;
        this.pageSize = pageSize;
        this.recheckMillis = recheckMillis;
        Thread.ofVirtual().name("feed-" + key).start(this::pump);
    }

    void add(Subscriber<T> subscriber) {
        subscriber.onDrained(this::nudge);
        subscribers.add(subscriber);
        // A newcomer behind what the feed has read costs one read (the pump sees it behind the head).
        // One at the head or past it (a cursor from another instance whose announcement is still on its
        // way) is served by the next announced read like everyone else: a re-issued long-poll, which
        // carries the id the feed just handed it, costs no query.
        nudge();
    }

    /** Passes the pump has made so far; each one decided, after a wake-up, whether to read. */
    long passes() {
        return passes;
    }

    /** Returns true when the feed has no subscribers left (the caller then stops it). */
    boolean remove(Subscriber<T> subscriber) {
        subscribers.remove(subscriber);
        return subscribers.isEmpty();
    }

    Set<Subscriber<T>> subscribers() {
        return subscribers;
    }

    void stop() {
        stopped = true;
        nudge();
    }

    private void nudge() {
        wake.complete(null);
    }

    private void pump() {
        CompletableFuture<Void> keySignal = signals.next(key);
        // Read on the first pass: the feed knows nothing of the key yet.
        boolean dirty = true;
        long lastRead = System.nanoTime();
        while (!stopped) {
            CompletableFuture<Void> localWake = new CompletableFuture<>();
            wake = localWake;
            // A stop() that completed the previous wake before this one was published would
            // otherwise go unnoticed until the re-check period: look again.
            if (stopped) {
                break;
            }
            // The re-check is periodic even while wake-ups keep coming: an announcement lost on the
            // way (Redis away, a race with a subscriber leaving) costs at most one period.
            if (System.nanoTime() - lastRead > recheckMillis * 1_000_000) {
                dirty = true;
            }
            if (dirty || anyoneBehindHead()) {
                lastRead = System.nanoTime();
                try {
                    // With no subscriber nothing was read: the announcement stays pending for the next one.
                    dirty = !drain();
                } catch (RuntimeException e) {
                    // PostgreSQL unavailable: subscribers keep their place and the next wake-up retries.
                    log.warn("feed {} could not read; retrying", key, e);
                }
            }
            passes++;
            if (!await(CompletableFuture.anyOf(localWake, keySignal))) {
                // Periodic re-check: covers an event lost while Redis was away.
                dirty = true;
            }
            if (keySignal.isDone()) {
                dirty = true;
                keySignal = signals.next(key);
            }
        }
        signals.release(key, keySignal);
    }

    // A subscriber that joined with an older cursor, or one that skipped messages while its queue was
    // full, needs a read even when nothing new was announced; the others are served by announcements.
    private boolean anyoneBehindHead() {
        long known = head;
        return subscribers.stream().anyMatch(s -> s.queuedUpTo() < known);
    }

    /** Reads and hands out what subscribers are missing; false when there was no subscriber to read for. */
    private boolean drain() {
        // Subscribers whose queue is full sit out the rest of this pass, so that none gets a gap;
        // they are served from their own last id on the pass after their writer drains.
        Set<Subscriber<T>> waiting = new HashSet<>();
        boolean read = false;
        while (!stopped) {
            // A fixed set per page: a subscriber that joins while a page is handed out would
            // otherwise get its later messages without the earlier ones, a gap. It is served from
            // its own cursor on the next page or pass.
            List<Subscriber<T>> current = List.copyOf(subscribers);
            long from = current.stream().filter(s -> !waiting.contains(s))
                    .mapToLong(Subscriber::queuedUpTo).min().orElse(-1);
            if (from < 0) {
                return read;
            }
            read = true;
            List<T> page = source.after(key, from, pageSize);
            // Nothing newer than the last id read (or than "from", when the page is empty) exists now.
            head = Math.max(head, page.isEmpty() ? from : idOf.applyAsLong(page.get(page.size() - 1)));
            long now = System.nanoTime();
            for (T item : page) {
                long id = idOf.applyAsLong(item);
                for (Subscriber<T> subscriber : current) {
                    if (waiting.contains(subscriber) || id <= subscriber.queuedUpTo()) {
                        continue;
                    }
                    switch (subscriber.offer(item, id, now)) {
                        case ACCEPTED -> { }
                        case FULL -> waiting.add(subscriber);
                        case DROPPED -> {
                            waiting.add(subscriber);
                            subscribers.remove(subscriber);
                        }
                    }
                }
            }
            fannedOut.accept(page.size());
            if (page.size() < pageSize) {
                return true;
            }
        }
        return read;
    }

    /** False when the re-check period passed with no wake-up. */
    private boolean await(CompletableFuture<?> future) {
        try {
            future.get(recheckMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
            return true;
        }
    }
}
