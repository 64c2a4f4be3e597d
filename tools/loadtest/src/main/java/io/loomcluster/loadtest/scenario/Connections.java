package io.loomcluster.loadtest.scenario;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.loadtest.metrics.Ticket;
import io.loomcluster.loadtest.realtime.Subscriber;
import io.loomcluster.loadtest.schedule.RateSchedule;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Many live subscribers: each arrival opens one (measured until it is established) and holds it to the end
 * of the window. Once all are open, a sender posts {@code postRate} messages a second, round-robin over the
 * rooms, so that every held connection keeps receiving and delivery latency is measured under that fan-out.
 */
final class Connections implements Workload {
    private final ScenarioContext ctx;
    private final int count;
    private final double postRate;
    private final AtomicReferenceArray<Subscriber> subscribers;
    private final AtomicInteger opened = new AtomicInteger();
    private volatile boolean stopping;
    private volatile Thread sender;

    Connections(ScenarioContext ctx, int count, double postRate) {
        this.ctx = ctx;
        this.count = count;
        this.postRate = postRate;
        this.subscribers = new AtomicReferenceArray<>(count);
    }

    @Override
    public void execute(Ticket ticket, long user) {
        int j = (int) user;
        int rooms = ctx.fixture().rooms().size();
        Subscriber subscriber = ctx.transport().of(j).subscriber(ctx.api(), ctx.targets().get(j / rooms),
                ctx.fixture().account(j), ctx.fixture().room(j % rooms), j % rooms,
                ctx.fixture().lastSeedMessageId(), ctx.deliveries(), ctx.metrics(), ticket);
        subscribers.set(j, subscriber);
        subscriber.start();
        try {
            // Holding the arrival's permit until connected keeps pending connects under the in-flight cap.
            subscriber.awaitConnected(ctx.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (opened.incrementAndGet() == count && postRate > 0) {
            sender = Thread.ofVirtual().name("connections-sender").start(this::send);
        }
    }

    private void send() {
        RateSchedule schedule = RateSchedule.constant(postRate);
        long start = System.nanoTime();
        for (long i = 0; !stopping; i++) {
            long intended = start + schedule.offsetNanos(i);
            LockSupport.parkNanos(intended - System.nanoTime());
            if (stopping || Thread.currentThread().isInterrupted()) {
                return;
            }
            if (System.nanoTime() < intended) {
                i--;
                continue;
            }
            int roomIndex = (int) (i % ctx.fixture().rooms().size());
            Ticket ticket = ctx.metrics().begin(intended);
            URI target = ctx.targets().get(i);
            Reply reply = ctx.api().as(ctx.fixture().account(i), target).post(
                    "/api/rooms/" + ctx.fixture().room(roomIndex) + "/messages",
                    Json.object("text", ctx.deliveries().tag(intended, target, ctx.payload())));
            ticket.complete(Chat.POST_MESSAGE, reply);
            if (reply.status() == 201) {
                ctx.deliveries().posted(roomIndex);
            }
        }
    }

    @Override
    public boolean holdsUntilEnd() {
        return true;
    }

    @Override
    public void stopArrivals() {
        stopping = true;
        Thread t = sender;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void drain(long deadlineNanos) {
        DeliveryWait.until(ctx, deadlineNanos);
    }

    @Override
    public void close() {
        stopping = true;
        for (int j = 0; j < count; j++) {
            Subscriber s = subscribers.get(j);
            if (s != null) {
                s.close();
            }
        }
    }
}
