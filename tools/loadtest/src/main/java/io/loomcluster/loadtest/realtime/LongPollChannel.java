package io.loomcluster.loadtest.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Json;
import io.loomcluster.loadtest.api.Reply;
import io.loomcluster.loadtest.api.Session;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/** {@code GET /messages?after=&wait=} in a loop: the server answers as soon as a message arrives. */
final class LongPollChannel implements Channel {
    static final int WAIT_SECONDS = 20;

    private final ApiClient api;
    private final URI base;
    private final long roomId;
    private final Session session;

    LongPollChannel(ApiClient api, URI base, long roomId, Session session) {
        this.api = api;
        this.base = base;
        this.roomId = roomId;
        this.session = session;
    }

    @Override
    public void run(long afterId, Subscriber sink) throws IOException, InterruptedException {
        // The first poll does not wait: its answer is what "connected" means for long-polling.
        long after = poll(afterId, 0, sink);
        while (!Thread.currentThread().isInterrupted()) {
            after = poll(after, WAIT_SECONDS, sink);
        }
        throw new InterruptedException();
    }

    private long poll(long after, int waitSeconds, Subscriber sink) throws IOException, InterruptedException {
        String path = "/api/rooms/" + roomId + "/messages?after=" + after + "&limit=100&wait=" + waitSeconds;
        Reply reply = api.get(base, path, session, Duration.ofSeconds(waitSeconds + 10L));
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
        if (reply.failure() != null) {
            throw new SubscriptionException(reply.failure());
        }
        if (reply.status() != 200) {
            throw new SubscriptionException("HTTP " + reply.status());
        }
        if (waitSeconds == 0) {
            sink.connected(reply.instanceId() == null ? base.getAuthority() : reply.instanceId());
        }
        long received = reply.endNanos();
        long last = after;
        for (JsonNode message : Json.read(reply.body()).path("items")) {
            sink.message(message, received);
            last = Math.max(last, message.path("id").asLong());
        }
        return last;
    }

    @Override
    public void close() {
        // The subscriber interrupts its thread, which cancels the pending poll.
    }
}
