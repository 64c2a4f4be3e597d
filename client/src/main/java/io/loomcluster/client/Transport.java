package io.loomcluster.client;

/** How a {@link Subscription} receives a room's messages. */
public enum Transport {
    /** {@code GET /api/rooms/{id}/events}: Server-Sent Events, resumed with {@code Last-Event-ID}. */
    SSE,
    /** {@code GET /api/rooms/{id}/ws}: one JSON text frame per message, resumed with {@code ?after=}. */
    WEBSOCKET,
    /** {@code GET /api/rooms/{id}/messages?after=&wait=} in a loop. */
    LONG_POLL
}
