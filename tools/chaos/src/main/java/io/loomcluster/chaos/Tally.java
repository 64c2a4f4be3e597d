package io.loomcluster.chaos;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the clients of one run saw, counted without locks; read once the run is over. */
public final class Tally {
    final LongAdder requests = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder attempts = new LongAdder();
    final LongAdder retriedAnswers = new LongAdder();
    final LongAdder connectionFailures = new LongAdder();
    final LongAdder unavailableWithRetryAfter = new LongAdder();
    final LongAdder unauthorized = new LongAdder();
    final LongAdder slowAttempts = new LongAdder();
    final AtomicLong slowestAttemptMillis = new AtomicLong();
    final AtomicLong slowestRequestMillis = new AtomicLong();
    final AtomicLong slowestFailedAttemptMillis = new AtomicLong();
    /** Acknowledged posts: idempotency key → message id. */
    final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    /** Acknowledged posts per room: room id → message ids. */
    final Map<Long, Set<Long>> acknowledgedByRoom = new ConcurrentHashMap<>();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    void acknowledge(long roomId, String key, long messageId) {
        acknowledged.put(key, messageId);
        acknowledgedByRoom.computeIfAbsent(roomId, r -> ConcurrentHashMap.newKeySet()).add(messageId);
    }

    void failure(String why) {
        failed.increment();
        failures.computeIfAbsent(why, w -> new LongAdder()).increment();
    }

    public long requests() {
        return requests.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public long attempts() {
        return attempts.sum();
    }

    /** Answers the clients retried: 502, 503, 504, or no answer at all. */
    public long retriedAnswers() {
        return retriedAnswers.sum();
    }

    public long connectionFailures() {
        return connectionFailures.sum();
    }

    public long unavailableWithRetryAfter() {
        return unavailableWithRetryAfter.sum();
    }

    /** Attempts that took longer than 2 s to be answered (or to fail). */
    public long slowAttempts() {
        return slowAttempts.sum();
    }

    /** Requests answered 401 (the session was gone); the client logged in again and retried once. */
    public long sessionsLost() {
        return unauthorized.sum();
    }

    public long slowestAttemptMillis() {
        return slowestAttemptMillis.get();
    }

    /** The slowest attempt that did not succeed (a 5xx, a refused or cut connection, a client timeout). */
    public long slowestFailedAttemptMillis() {
        return slowestFailedAttemptMillis.get();
    }

    public long slowestRequestMillis() {
        return slowestRequestMillis.get();
    }

    public Map<String, Long> acknowledged() {
        return Map.copyOf(acknowledged);
    }

    public Set<Long> acknowledgedIn(long roomId) {
        return Set.copyOf(acknowledgedByRoom.getOrDefault(roomId, Set.of()));
    }

    public Map<String, Long> failures() {
        Map<String, Long> out = new java.util.TreeMap<>();
        failures.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
