package io.loomcluster.loadtest.scenario;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.loadtest.fixture.SetupException;
import io.loomcluster.loadtest.metrics.Ticket;
import io.loomcluster.loadtest.realtime.Subscriber;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Posting: each operation posts one tagged message to a random room. Before the window, subscribers are
 * opened on every room and spread over the targets, so that a message posted through one instance is
 * received on connections served by others; each receipt is a delivery with its latency.
 */
final class Chat implements Workload {
    static final String POST_MESSAGE = "POST /api/rooms/{id}/messages";

    private final ScenarioContext ctx;
    private final int subscriberCount;
    private final List<Subscriber> subscribers = new ArrayList<>();

    Chat(ScenarioContext ctx, int subscriberCount) {
        this.ctx = ctx;
        this.subscriberCount = subscriberCount;
    }

    @Override
    public void prepare() {
        int rooms = ctx.fixture().rooms().size();
        for (int j = 0; j < subscriberCount; j++) {
            int roomIndex = j % rooms;
            // Room-major spread: the subscribers of one room land on different targets.
            URI base = ctx.targets().get(j / rooms);
            subscribers.add(ctx.transport().of(j).subscriber(ctx.api(), base, ctx.fixture().account(j + 1),
                    ctx.fixture().room(roomIndex), roomIndex, ctx.fixture().lastSeedMessageId(),
                    ctx.deliveries(), ctx.metrics(), null).start());
        }
        long deadline = System.nanoTime() + ctx.setupTimeout().toNanos();
        for (Subscriber subscriber : subscribers) {
            awaitConnected(subscriber, deadline);
        }
    }

    private void awaitConnected(Subscriber subscriber, long deadlineNanos) {
        try {
            if (!subscriber.awaitConnected(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new SetupException("subscribers over " + ctx.transport().option() + " did not connect: "
                        + ctx.metrics().subscriberErrors() + " (does the app serve this transport?)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted while opening subscribers");
        }
    }

    @Override
    public void execute(Ticket ticket, long user) {
        int roomIndex = ThreadLocalRandom.current().nextInt(ctx.fixture().rooms().size());
        URI target = ctx.targets().next();
        String text = ctx.deliveries().tag(ticket.intendedStartNanos(), target, ctx.payload());
        Reply reply = ctx.api().as(ctx.fixture().account(user), target).post(
                "/api/rooms/" + ctx.fixture().room(roomIndex) + "/messages", Json.object("text", text),
                "Idempotency-Key", UUID.randomUUID().toString());
        ticket.complete(POST_MESSAGE, reply);
        if (reply.status() == 201) {
            ctx.deliveries().posted(roomIndex);
        }
    }

    @Override
    public void drain(long deadlineNanos) {
        DeliveryWait.until(ctx, deadlineNanos);
    }

    @Override
    public void close() {
        subscribers.forEach(Subscriber::close);
    }
}
