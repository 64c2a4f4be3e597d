package io.loomcluster.chaos;

import io.loomcluster.client.LoomClient;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded, steady load through the balancer: writers post messages with idempotency keys, readers
 * read messages and their session, each pausing briefly between requests. It runs until
 * {@link #stop()} or until its request cap or hard deadline, whichever comes first.
 */
public final class Workload implements AutoCloseable {
    /** Shape of the load; {@code mentions}: how many other users each post names as {@code @username}. */
    public record Shape(int writers, int readers, int rooms, Duration pause, long maxRequests, Duration maxDuration,
                        Duration attemptTimeout, Duration retryBudget, int mentions) {
        public static Shape standard() {
            return new Shape(6, 4, 3, Duration.ofMillis(20), 200_000, Duration.ofMinutes(3),
                    Duration.ofSeconds(10), Duration.ofSeconds(30), 0);
        }

        public Shape withMentions(int count) {
            return new Shape(writers, readers, rooms, pause, maxRequests, maxDuration, attemptTimeout, retryBudget, count);
        }
    }

    private final Shape shape;
    private final String run;
    private final Tally tally = new Tally();
    private final LoomClient client;
    private final List<ApiUser> writers = new ArrayList<>();
    private final List<ApiUser> readers = new ArrayList<>();
    private final List<Long> rooms = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong budget;
    private final AtomicLong sequence = new AtomicLong();

    private Workload(URI base, Shape shape) {
        this.shape = shape;
        this.run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        this.budget = new AtomicLong(shape.maxRequests());
        this.client = LoomClient.builder(base).connectTimeout(Duration.ofSeconds(2)).timeout(shape.attemptTimeout()).build();
        for (int i = 0; i < shape.writers(); i++) {
            writers.add(new ApiUser(client, tally, shape.retryBudget()));
        }
        for (int i = 0; i < shape.readers(); i++) {
            readers.add(new ApiUser(client, tally, shape.retryBudget()));
        }
    }

    /** Registers the users, creates the rooms (every user a member of each); the load has not started. */
    public static Workload prepare(URI base, Shape shape) {
        Workload w = new Workload(base, shape);
        int n = 0;
        for (ApiUser user : w.all()) {
            user.signUp("chaos_" + w.run + "_" + n++);
        }
        ApiUser owner = w.writers.getFirst();
        for (int i = 0; i < shape.rooms(); i++) {
            w.rooms.add(owner.createRoom("chaos " + w.run + " room " + i));
        }
        for (ApiUser user : w.all()) {
            if (user != owner) {
                w.rooms.forEach(user::join);
            }
        }
        return w;
    }

    /** Every user of the load: writers, then readers; each is a member of every room. */
    public List<ApiUser> all() {
        List<ApiUser> all = new ArrayList<>(writers);
        all.addAll(readers);
        return all;
    }

    public Workload start() {
        long deadline = System.nanoTime() + shape.maxDuration().toNanos();
        for (ApiUser writer : writers) {
            threads.add(Thread.ofVirtual().name("writer").start(() -> loop(deadline, () -> write(writer))));
        }
        for (ApiUser reader : readers) {
            threads.add(Thread.ofVirtual().name("reader").start(() -> loop(deadline, () -> read(reader))));
        }
        return this;
    }

    private void loop(long deadline, Runnable step) {
        while (!stopping.get() && System.nanoTime() < deadline && budget.decrementAndGet() >= 0) {
            step.run();
            ApiUser.sleep(shape.pause().toMillis());
        }
    }

    private void write(ApiUser writer) {
        long room = rooms.get(ThreadLocalRandom.current().nextInt(rooms.size()));
        String key = run + "-" + sequence.incrementAndGet();
        writer.postMessage(room, key, "chaos " + key + mentions(writer));
    }

    // " @a @b": the users after the writer, in sign-up order (all of them members of every room).
    private String mentions(ApiUser writer) {
        List<ApiUser> users = all();
        StringBuilder text = new StringBuilder();
        int at = users.indexOf(writer);
        for (int i = 1; i <= Math.min(shape.mentions(), users.size() - 1); i++) {
            text.append(" @").append(users.get((at + i) % users.size()).username());
        }
        return text.toString();
    }

    private void read(ApiUser reader) {
        if (ThreadLocalRandom.current().nextInt(4) == 0) {
            reader.whoAmI();
        } else {
            reader.readMessages(rooms.get(ThreadLocalRandom.current().nextInt(rooms.size())), 0);
        }
    }

    /** Stops offering load and waits for the requests in flight (each bounded by the retry budget). */
    public Tally stop() {
        stopping.set(true);
        long deadline = System.nanoTime() + shape.retryBudget().plus(shape.attemptTimeout()).plusSeconds(5).toNanos();
        for (Thread t : threads) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            try {
                if (!t.join(Duration.ofMillis(left))) {
                    t.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return tally;
    }

    public Tally tally() {
        return tally;
    }

    public List<Long> rooms() {
        return List.copyOf(rooms);
    }

    /** The text prefix every message of this run starts with. */
    public String textPrefix() {
        return "chaos " + run + "-";
    }

    public ApiUser anyReader() {
        return readers.isEmpty() ? writers.getFirst() : readers.getFirst();
    }

    public ApiUser writer(int i) {
        return writers.get(i);
    }

    public LoomClient client() {
        return client;
    }

    @Override
    public void close() {
        stop();
        client.close();
    }
}
