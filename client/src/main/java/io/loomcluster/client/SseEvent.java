package io.loomcluster.client;

/**
 * One Server-Sent Event: its {@code id}, its type ({@code event}, "message" when the server named
 * none) and its {@code data} (lines joined with '\n'); {@code receivedNanos} is
 * {@link System#nanoTime()} when its last line arrived.
 */
public record SseEvent(String id, String event, String data, long receivedNanos) {
    /** Put in an {@link EventStream} after the last event, when the stream has ended. */
    public static final SseEvent END = new SseEvent(null, "<end of stream>", null, 0);

    public boolean isEnd() {
        return this == END;
    }
}
