package io.loomcluster.app.webhooks;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import java.util.concurrent.ScheduledExecutorService;
import io.loomcluster.app.bench.Percentiles;
import io.loomcluster.app.jobs.Backoff;
import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.app.jobs.Job;
import io.loomcluster.app.jobs.JobHandler;
import io.loomcluster.app.jobs.JobMetrics;
import io.loomcluster.app.jobs.JobQueue;
import io.loomcluster.app.jobs.JobWorker;
import io.loomcluster.app.jobs.Outcome;
import io.loomcluster.app.redis.Redis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The virtual-thread claim, measured (scripts/bench-jobs): webhook deliveries through the real
 * worker and HTTP client (SSRF guard, signed POST, capped body) to a receiver that answers after
 * 200 ms, {@code WEBHOOK_CONCURRENCY} in flight, on virtual threads or on a pool of platform threads.
 * Usage: DeliveryBench REDIS_URL EXECUTOR(virtual|platform:N) JOBS CONCURRENCY
 */
public final class DeliveryBench {
    public static void main(String[] args) throws Exception {
        URI redisUrl = URI.create(args[0]);
        String executorSpec = args[1];
        int jobs = Integer.parseInt(args[2]);
        int concurrency = Integer.parseInt(args[3]);
        // The receiver: asynchronous Jetty that answers 200 ms after the body arrived, holding no
        // thread meanwhile, so that it is never the bound being measured.
        Server receiver = new Server();
        ServerConnector connector = new ServerConnector(receiver);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(8192);
        receiver.addConnector(connector);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        receiver.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.consumeAll(request, Callback.from(() -> timer.schedule(() -> {
                    response.setStatus(204);
                    callback.succeeded();
                }, 200, TimeUnit.MILLISECONDS), callback::failed));
                return true;
            }
        });
        receiver.start();
        URI url = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/hook");
        WebhookSettings settings = new WebhookSettings(Set.of("127.0.0.1"), concurrency, concurrency, 0,
                Duration.ofSeconds(5), Duration.ofSeconds(30), 64 * 1024, 1000);
        ExecutorService executor = executorSpec.equals("virtual") ? Executors.newVirtualThreadPerTaskExecutor()
                : new ThreadPoolExecutor(Integer.parseInt(executorSpec.substring("platform:".length())),
                Integer.parseInt(executorSpec.substring("platform:".length())), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(concurrency), Thread.ofPlatform().name("webhook-", 0).factory());
        try (Redis redis = Redis.connect(redisUrl);
             WebhookSender sender = new WebhookSender(new SsrfGuard(settings.allowedHosts(), InetAddress::getAllByName), settings,
                     Tracing.off())) {
            // A first round, not reported, so that both executors are measured warm (JIT compiled,
            // connections open): in a cold JVM the compiler threads take a third of the 2 cores.
            round(redis, sender, url, executor, Math.min(jobs, 4 * concurrency), concurrency);
            Result r = round(redis, sender, url, executor, jobs, concurrency);
            System.out.printf("webhooks %-12s %d deliveries, %d in flight, 200 ms receiver: %.0f deliveries/s, latency %s,"
                            + " peak threads %d, peak heap %d MiB, failed %d%n",
                    executorSpec, jobs, concurrency, jobs / r.seconds(), r.latency().describe(), r.peakThreads(),
                    r.peakHeap() / (1024 * 1024), r.failed());
        } finally {
            executor.shutdownNow();
            receiver.stop();
            timer.shutdownNow();
        }
    }

    private record Result(double seconds, Percentiles latency, int peakThreads, long peakHeap, long failed) {
    }

    private static Result round(Redis redis, WebhookSender sender, URI url, ExecutorService executor, int jobs,
                                int concurrency) throws Exception {
        byte[] key = Signatures.newKey();
        String body = "{\"type\":\"message.created\",\"data\":{\"id\":1,\"text\":\"bench\"}}";
        Percentiles latency = new Percentiles(jobs);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        String type = "bench-hook-" + UUID.randomUUID();
        JobQueue queue = new JobQueue(redis.client(), type);
        queue.ensureGroup();
        JobHandler deliver = job -> {
            long ts = System.currentTimeMillis() / 1000;
            var attempt = sender.post(url, Map.of("webhook-id", job.id(), "webhook-timestamp", Long.toString(ts),
                    "webhook-signature", Signatures.sign(key, job.id(), ts, body)), body);
            if (attempt.status() / 100 != 2) {
                failed.incrementAndGet();
            }
            latency.add((System.currentTimeMillis() - job.enqueuedAt()) * 1000);
            done.incrementAndGet();
            return Outcome.DONE;
        };
        var workerSettings = new JobWorker.Settings(concurrency, 3, new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1)),
                Duration.ofSeconds(60));
        JobWorker worker = new JobWorker(queue, deliver, executor, workerSettings, new JobMetrics(new SimpleMeterRegistry()),
                Clock.systemUTC(), "bench").start();
        var threads = ManagementFactory.getThreadMXBean();
        threads.resetPeakThreadCount();
        long heapPeak = 0;
        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        List<Job> stamped = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            stamped.add(new Job(type + ":" + i, type, "{}", 1, now));
        }
        for (int i = 0; i < stamped.size(); i += 1000) {
            queue.enqueueAll(stamped.subList(i, Math.min(stamped.size(), i + 1000)));
        }
        while (done.get() < jobs) {
            LockSupport.parkNanos(20_000_000);
            heapPeak = Math.max(heapPeak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        worker.drain(Duration.ofSeconds(5));
        redis.client().del(queue.streamKey());
        return new Result(seconds, latency, threads.getPeakThreadCount(), heapPeak, failed.get());
    }
}
