package io.loomcluster.chaos;

import io.loomcluster.client.Failures;
import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;
import io.loomcluster.testing.ManagedProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Far more load than the cluster can serve: many clients reading without pause and without
 * retrying, for a fixed time. Counts how the cluster answered and samples the processes' memory.
 */
final class Flood implements AutoCloseable {
    record Result(long requests, long ok, long unavailable, long withRetryAfter, long timedOut, long other, long slowest503Millis,
                  long maxAppRssMib, long maxLbRssMib) {
    }

    private final ChaosCluster cluster;
    private final Workload load;
    private final int clients;
    private final Duration duration;
    private final LoomClient client;
    private final LongAdder requests = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder withRetryAfter = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder other = new LongAdder();
    private final AtomicLong slowest503 = new AtomicLong();
    private final AtomicLong appRss = new AtomicLong();
    private final AtomicLong lbRss = new AtomicLong();

    Flood(ChaosCluster cluster, Workload load, int clients, Duration duration) {
        this.cluster = cluster;
        this.load = load;
        this.clients = clients;
        this.duration = duration;
        // No retries: the flood's clients are the ones that do not behave.
        this.client = LoomClient.builder(cluster.url()).timeout(Duration.ofSeconds(10)).retry(RetryPolicy.NONE).build();
    }

    Result run() {
        long deadline = System.nanoTime() + duration.toNanos();
        String session = load.anyReader().session().cookie().orElseThrow();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().name("flood").start(() -> {
                while (System.nanoTime() < deadline) {
                    once(session);
                }
            }));
        }
        Thread sampler = Thread.ofVirtual().name("rss-sampler").start(() -> {
            while (System.nanoTime() < deadline) {
                for (ManagedProcess app : cluster.apps()) {
                    appRss.accumulateAndGet(rssMib(app), Math::max);
                }
                lbRss.accumulateAndGet(rssMib(cluster.balancer().process()), Math::max);
                ApiUser.sleep(250);
            }
        });
        for (Thread t : threads) {
            join(t, duration.plusSeconds(20));
        }
        join(sampler, Duration.ofSeconds(5));
        return new Result(requests.sum(), ok.sum(), unavailable.sum(), withRetryAfter.sum(), timedOut.sum(), other.sum(),
                slowest503.get(), appRss.get(), lbRss.get());
    }

    private void once(String session) {
        long room = load.rooms().get(ThreadLocalRandom.current().nextInt(load.rooms().size()));
        requests.increment();
        Reply reply = client.send(Request.get("/api/rooms/" + room + "/messages?after=0&limit=50")
                .header("Cookie", "SESSION=" + session));
        if (reply.status() == 200) {
            ok.increment();
        } else if (reply.status() == 503) {
            unavailable.increment();
            slowest503.accumulateAndGet(reply.elapsed().toMillis(), Math::max);
            if (reply.header("Retry-After") != null) {
                withRetryAfter.increment();
            }
        } else if (Failures.TIMEOUT.equals(reply.failure())) {
            timedOut.increment();
        } else {
            other.increment();
        }
    }

    private static long rssMib(ManagedProcess process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone or /proc is unavailable: no sample
        }
        return 0;
    }

    private static void join(Thread t, Duration timeout) {
        try {
            if (!t.join(timeout)) {
                t.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
