package io.loomcluster.loadtest.lean;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.loadtest.api.Account;
import io.loomcluster.loadtest.api.Api;
import io.loomcluster.loadtest.cli.UsageException;
import io.loomcluster.loadtest.fixture.Fixture;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code loadtest lean}: a real-time capacity run with an instrument that costs far less than what it
 * measures. Many SSE or WebSocket subscribers ({@code --transport sse|ws|mixed}) on a few Netty event
 * loops ({@link SseSubscriber}, {@link WsSubscriber}: only the event id and the send time are read, latency into a histogram per loop, ids checked for repeats), opened at
 * a set rate, spread over rooms, accounts and local source addresses (one address has only ~28 000
 * ports towards one server); then posts at a set rate per room, each carrying its send time. The
 * report: connect time and outcomes, delivery p50/p99/max, delivered/expected, duplicates, and the
 * generator's own CPU, per 1 000 deliveries and as a share of one core.
 */
public final class LeanRealtime {
    /** After the last post, how long the last deliveries may take to arrive before the run counts them. */
    private static final Duration SETTLE = Duration.ofSeconds(10);

    /** The run's shape. */
    public record Settings(URI url, List<URI> targets, int subscribers, int rooms, int accounts, double postsPerSecondPerRoom,
                           Duration duration, int connectRate, List<String> sources, int loops, String transport,
                           boolean typing, Duration warmup) {
        public static Settings parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new UsageException("lean takes --name value pairs; got " + args[i]);
                }
                values.put(args[i].substring(2), args[i + 1]);
            }
            // Several URLs (comma-separated) spread the subscribers over several balancers; posts and
            // set-up go to the first. One balancer process holds two descriptors per live stream.
            List<URI> targets = java.util.Arrays.stream(values.getOrDefault("url", "http://127.0.0.1:8080").split(","))
                    .map(String::strip).map(URI::create).toList();
            URI url = targets.getFirst();
            List<String> sources = List.of(values.getOrDefault("sources", "127.0.0.1").split(","));
            int subscribers = integer(values, "subscribers", 1_000);
            // An account holds a bounded number of room streams per instance (MAX_STREAMS_PER_USER, 32):
            // 16 subscribers an account stays under it however the balancer spreads them.
            return new Settings(url, targets, subscribers, integer(values, "rooms", 1),
                    integer(values, "accounts", Math.max(2, (subscribers + 15) / 16)), Double.parseDouble(values.getOrDefault("rate", "5")),
                    Duration.ofSeconds(integer(values, "seconds", 20)), integer(values, "connect-rate", 1_000),
                    sources, integer(values, "loops", 1), transport(values.getOrDefault("transport", "sse")),
                    Boolean.parseBoolean(values.getOrDefault("typing", "false")),
                    Duration.ofSeconds(integer(values, "warmup", 0)));
        }

        private static String transport(String value) {
            if (!List.of("sse", "ws", "mixed").contains(value)) {
                throw new UsageException("--transport must be sse, ws or mixed (half of each), got " + value);
            }
            return value;
        }

        private static int integer(Map<String, String> values, String name, int fallback) {
            try {
                return Integer.parseInt(values.getOrDefault(name, Integer.toString(fallback)));
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be a whole number, got " + values.get(name));
            }
        }
    }

    private final Settings settings;
    private final PrintStream out;

    public LeanRealtime(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public int run(Api api, String runId) throws InterruptedException {
        out.printf(Locale.ROOT, "lean (" + settings.transport() + "): %d subscribers in %d room(s), %d accounts, %.1f posts/s per room for %ds, connecting at %d/s from %s%n",
                settings.subscribers(), settings.rooms(), settings.accounts(), settings.postsPerSecondPerRoom(),
                settings.duration().toSeconds(), settings.connectRate(), settings.sources());
        Fixture fixture = Fixture.create(api, settings.url(), runId, settings.accounts(), settings.rooms(), Duration.ofMinutes(5));
        // The loops' threads are kept to read their own CPU time: the part of the generator's cost that
        // grows with deliveries (the rest is the posting, the JIT and the collector).
        List<Thread> loopThreads = new CopyOnWriteArrayList<>();
        ThreadFactory named = new DefaultThreadFactory("lean-loop");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(settings.loops(), (Runnable task) -> {
            Thread thread = named.newThread(task);
            loopThreads.add(thread);
            return thread;
        }, EpollIoHandler.newFactory());
        Map<EventExecutor, Histogram> histograms = new IdentityHashMap<>();
        for (EventExecutor loop : group) {
            histograms.put(loop, new Histogram(60_000_000L, 3));
        }
        LeanStats stats = new LeanStats();
        Typists typists = new Typists();
        // Typing runs subscribe to the rooms' ephemeral events too.
        String events = settings.typing() ? "?events=all" : "";
        List<LeanSubscriber> subscribers = new ArrayList<>();
        Map<LeanSubscriber, Long> roomOf = new IdentityHashMap<>();
        long cpuStart = cpuNanos();
        long connectStart = System.nanoTime();
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
            long interval = 1_000_000_000L / Math.max(1, settings.connectRate());
            for (int i = 0; i < settings.subscribers(); i++) {
                long room = fixture.rooms().get(i % settings.rooms());
                Account account = fixture.sessions().get(i % fixture.sessions().size());
                EventLoop loop = group.next();
                URI to = settings.targets().get(i % settings.targets().size());
                String host = to.getHost() + ":" + to.getPort();
                InetSocketAddress target = new InetSocketAddress(to.getHost(), to.getPort());
                boolean ws = webSocket(i);
                LeanSubscriber subscriber = ws ? new WsSubscriber(histograms.get(loop), stats, typists)
                        : new SseSubscriber(host, "/api/rooms/" + room + "/events" + events, account.cookie(), histograms.get(loop),
                        stats, typists);
                subscribers.add(subscriber);
                roomOf.put(subscriber, room);
                String source = settings.sources().get(i % settings.sources().size());
                URI socketUri = URI.create("ws://" + host + "/api/rooms/" + room + "/ws" + events);
                ChannelFuture connect = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ws) {
                            HttpHeaders cookie = new DefaultHttpHeaders().set(HttpHeaderNames.COOKIE, "SESSION=" + account.cookie());
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                    new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                            socketUri, WebSocketVersion.V13, null, false, cookie, 64 * 1024)),
                                    (WsSubscriber) subscriber);
                        } else {
                            ch.pipeline().addLast(new HttpClientCodec(), (SseSubscriber) subscriber);
                        }
                    }
                }).connect(target, new InetSocketAddress(source, 0));
                connect.addListener(f -> {
                    if (!f.isSuccess()) {
                        stats.failedToConnect.incrementAndGet();
                    }
                });
                long due = connectStart + (i + 1) * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (stats.connected.get() + stats.refused() + stats.failedToConnect.get() < settings.subscribers()
                    && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            out.printf(Locale.ROOT, "connected %d of %d in %.1f s (refused %s, failed to connect %d)%n",
                    stats.connected.get(), settings.subscribers(), connectSeconds, stats.refusedByStatus,
                    stats.failedToConnect.get());

            resetOnLoops(histograms);
            long cpuAfterConnect = cpuNanos();
            long loopsAfterConnect = cpuNanos(loopThreads);
            long postingStart = System.nanoTime();
            Map<Long, AtomicLong> posted = new ConcurrentHashMap<>();
            long warmUpDeliveries = 0;
            if (!settings.warmup().isZero()) {
                // Posts that warm the instances, the balancer and this generator's JIT; delivered and
                // checked for gaps and repeats like the rest, but neither timed nor charged.
                exercise(api, fixture, typists, settings.warmup(), posted);
                awaitDeliveries(subscribers, roomOf, posted);
                resetOnLoops(histograms);
                warmUpDeliveries = subscribers.stream().mapToLong(s -> s.tally().received).sum();
                cpuAfterConnect = cpuNanos();
                loopsAfterConnect = cpuNanos(loopThreads);
                postingStart = System.nanoTime();
            }
            exercise(api, fixture, typists, settings.duration(), posted);
            awaitDeliveries(subscribers, roomOf, posted);
            long cpuUsed = cpuNanos() - cpuAfterConnect;
            long loopsUsed = cpuNanos(loopThreads) - loopsAfterConnect;
            double measuredSeconds = (System.nanoTime() - postingStart) / 1e9;

            Histogram all = new Histogram(60_000_000L, 3);
            CountDownLatch merged = new CountDownLatch(histograms.size());
            Map<EventExecutor, Histogram> copies = new ConcurrentHashMap<>();
            histograms.forEach((loop, h) -> loop.execute(() -> {
                copies.put(loop, h.copy());
                merged.countDown();
            }));
            merged.await(10, TimeUnit.SECONDS);
            copies.values().forEach(all::add);
            long expected = 0;
            long delivered = 0;
            long duplicates = 0;
            long short_ = 0;
            for (LeanSubscriber s : subscribers) {
                Tally t = s.tally();
                if (!s.open() && t.received == 0) {
                    continue;
                }
                long want = posted.get(roomOf.get(s)).get();
                expected += want;
                delivered += t.received;
                duplicates += t.duplicates;
                if (t.received - t.duplicates < want) {
                    short_++;
                }
            }
            double generatorCore = cpuUsed / 1e9 / measuredSeconds;
            long timed = delivered - warmUpDeliveries;
            out.printf(Locale.ROOT, (settings.typing() ? "typing " : "") + "delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms; delivered %d of %d expected, %d duplicates, "
                            + "%d subscribers short%n", all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                    all.getMaxValue() / 1000.0, delivered, expected, duplicates, short_);
            out.printf(Locale.ROOT, "generator CPU: %.0f%% of one core, %.1f ms per 1 000 deliveries (%.0f deliveries/s), "
                            + "of which the event loops %.1f ms; still open at the end: %d%n", 100 * generatorCore,
                    perThousand(cpuUsed, timed), timed / measuredSeconds, perThousand(loopsUsed, timed),
                    stats.connected.get() - stats.closed.get());
            out.printf(Locale.ROOT, "setup, connect and warm-up CPU: %.1f s%n", (cpuAfterConnect - cpuStart) / 1e9);
            return delivered - duplicates >= expected && duplicates == 0 && stats.connected.get() == settings.subscribers() ? 0 : 1;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits until every open subscriber has received as many events as its room got posts, or
     * {@link #SETTLE} passed (what is missing then is reported as short).
     */
    private static void awaitDeliveries(List<LeanSubscriber> subscribers, Map<LeanSubscriber, Long> roomOf,
                                        Map<Long, AtomicLong> posted) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline && subscribers.stream().anyMatch(s -> s.open()
                && s.tally().received - s.tally().duplicates < posted.get(roomOf.get(s)).get())) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private boolean webSocket(int subscriber) {
        return switch (settings.transport()) {
            case "ws" -> true;
            case "mixed" -> subscriber % 2 == 1;
            default -> false;
        };
    }

    /**
     * Typing signals instead of posts: {@code --rate} typists per room (accounts of their own), each
     * signalling every 1.2 s (above the server's one a second per user and room, so each goes out)
     * through {@code POST /typing}; the count per room of signals the server broadcast. Latency is
     * from the signal's send to its arrival at each subscriber of the room, on every instance.
     */
    private void type(Api api, Fixture fixture, Typists typists, Duration duration, Map<Long, AtomicLong> counts)
            throws InterruptedException {
        List<Thread> typers = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        int perRoom = Math.max(1, (int) settings.postsPerSecondPerRoom());
        long interval = 1_200_000_000L;
        for (int r = 0; r < fixture.rooms().size(); r++) {
            long room = fixture.rooms().get(r);
            AtomicLong count = counts.computeIfAbsent(room, k -> new AtomicLong());
            for (int t = 0; t < perRoom; t++) {
                Account typist = fixture.sessions().get((r * perRoom + t) % fixture.sessions().size());
                String name = api.as(typist, settings.url()).get("/api/session").json().get("username").asText();
                long offset = interval * (r * perRoom + t) / Math.max(1, fixture.rooms().size() * perRoom);
                typers.add(paced(offset, interval, end, () -> {
                    typists.sent(name, LeanClock.epochMicros());
                    Reply reply = api.as(typist, settings.url()).post("/api/rooms/" + room + "/typing", "{}");
                    if (reply.status() == 202 && reply.json().get("broadcast").asBoolean()) {
                        count.incrementAndGet();
                    }
                }));
            }
        }
        for (Thread typer : typers) {
            typer.join();
        }
    }

    /**
     * A virtual thread that runs {@code tick} every {@code interval} nanoseconds from {@code offset}
     * after now until {@code end} (System.nanoTime), on schedule: a late tick does not shift the next.
     */
    private static Thread paced(long offset, long interval, long end, Runnable tick) {
        return Thread.ofVirtual().start(() -> {
            long next = System.nanoTime() + offset;
            while (next < end) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                tick.run();
                next += interval;
            }
        });
    }

    /** Posts to every room at the set rate for the run's duration; the count of acknowledged posts per room. */
    private void post(Api api, Fixture fixture, Duration duration, Map<Long, AtomicLong> counts) throws InterruptedException {
        List<Thread> posters = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        long interval = (long) (1e9 / settings.postsPerSecondPerRoom());
        for (int r = 0; r < fixture.rooms().size(); r++) {
            long room = fixture.rooms().get(r);
            Account author = fixture.sessions().get(r % fixture.sessions().size());
            AtomicLong count = counts.computeIfAbsent(room, k -> new AtomicLong());
            long offset = interval * r / Math.max(1, fixture.rooms().size());
            AtomicLong sent = new AtomicLong();
            posters.add(paced(offset, interval, end, () -> {
                Reply reply = api.as(author, settings.url()).post("/api/rooms/" + room + "/messages",
                        Json.object("text", "lean @t=" + LeanClock.epochMicros() + " #" + sent.getAndIncrement()));
                if (reply.status() == 201) {
                    count.incrementAndGet();
                }
            }));
        }
        for (Thread poster : posters) {
            poster.join();
        }
    }

    /** Posts (or typing signals) for the duration, adding what the server accepted per room to {@code counts}. */
    private void exercise(Api api, Fixture fixture, Typists typists, Duration duration, Map<Long, AtomicLong> counts)
            throws InterruptedException {
        if (settings.typing()) {
            type(api, fixture, typists, duration, counts);
        } else {
            post(api, fixture, duration, counts);
        }
    }

    /** Empties every loop's histogram on its own loop (the loops record into them). */
    private static void resetOnLoops(Map<EventExecutor, Histogram> histograms) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(histograms.size());
        histograms.forEach((loop, h) -> loop.execute(() -> {
            h.reset();
            done.countDown();
        }));
        done.await(10, TimeUnit.SECONDS);
    }

    private static double perThousand(long nanos, long deliveries) {
        return deliveries == 0 ? 0 : nanos / 1e6 / (deliveries / 1000.0);
    }

    /** CPU time of the threads given (user and system), as the JVM reads it per thread. */
    private static long cpuNanos(List<Thread> threads) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread thread : threads) {
            sum += Math.max(0, mx.getThreadCpuTime(thread.threadId()));
        }
        return sum;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
