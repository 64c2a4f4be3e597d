package io.loomcluster.lb.proxy;

import io.loomcluster.lb.access.AccessLog;
import io.loomcluster.lb.backend.Backend;
import io.loomcluster.lb.backend.BackendPool;
import io.loomcluster.lb.config.LbConfig;
import io.loomcluster.lb.discovery.BackendDiscovery;
import io.loomcluster.lb.health.HealthChecker;
import io.loomcluster.lb.metrics.LbMetrics;
import io.loomcluster.lb.routing.Router;
import io.loomcluster.lb.routing.ServicePool;
import io.loomcluster.lb.tracing.Tracing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;

import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The balancer's data path with in-memory channels: one client connection ({@link ClientConnection}
 * on an {@link EmbeddedChannel}) and the backend connections its {@link Loop} opens, each an
 * {@link EmbeddedChannel} with the real client codec, all on one mock clock. A test writes the
 * client's bytes, reads what each backend was sent, answers as the backend, and reads what the
 * client got; time moves only when the test moves it. Two backends, {@code a} and {@code b}, are
 * healthy from the start.
 */
final class DataPath implements AutoCloseable {
    static final URI A = URI.create("http://127.0.0.1:1");
    static final URI B = URI.create("http://127.0.0.1:2");

    final MockTicker ticker = Ticker.newMockTicker();
    final EmbeddedChannel client;
    final Loop loop;
    private final BackendPool pool = new BackendPool();
    private final List<EmbeddedChannel> opened = new ArrayList<>();
    /** What the next connects do: true succeeds, false is refused; empty means succeed. */
    private final Deque<Boolean> connects = new ArrayDeque<>();

    DataPath(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("LB_BACKENDS", A + "," + B);
        env.putIfAbsent("LB_RATE_LIMIT", "off");
        LbConfig config = LbConfig.fromEnv(env);
        pool.update(config.backends());
        pool.snapshot().all().forEach(backend -> pool.onPass(backend, 1));
        LbConfig.Pool settingsOfPool = config.pools().get(0);
        BackendDiscovery discovery = new BackendDiscovery() {
            @Override
            public void start(Consumer<Set<URI>> onChange) {
            }

            @Override
            public void close() {
            }
        };
        ServicePool service = ServicePool.of(settingsOfPool, discovery,
                new HealthChecker(pool, settingsOfPool.health(), null), pool);
        Router router = new Router(config.routes(), List.of(service));
        Services services = Services.of(config, router, new LbMetrics(router::snapshot, () -> 0, () -> 0),
                AccessLog.start(false), Tracing.start(false, config.tracing().trusted()), null, null);
        client = EmbeddedChannel.builder().ticker(ticker).build();
        client.attr(ClientChannels.PROXIED_CLIENT).set("192.0.2.10");
        BackendConnector connector = (backend, handler) -> {
            EmbeddedChannel channel = EmbeddedChannel.builder().ticker(ticker)
                    .handlers(BackendConnector.codec(), handler).build();
            Boolean succeed = connects.pollFirst();
            if (succeed != null && !succeed) {
                channel.close();
                return channel.newFailedFuture(new ConnectException("connection refused (test)"));
            }
            opened.add(channel);
            return channel.newSucceededFuture();
        };
        loop = new Loop(client.eventLoop(), services, connector, 1, Duration.ofSeconds(20).toNanos());
        EdgeRequestDecoder decoder = new EdgeRequestDecoder(new HttpDecoderConfig());
        EdgeResponseEncoder encoder = new EdgeResponseEncoder();
        client.pipeline().addLast(decoder, encoder, ClientConnection.http1(loop, decoder, encoder, false));
    }

    DataPath() {
        this(Map.of());
    }

    /** The next connects: each true succeeds, each false is refused. */
    DataPath connects(Boolean... outcomes) {
        connects.addAll(List.of(outcomes));
        return this;
    }

    Backend backend(URI uri) {
        return pool.snapshot().all().stream().filter(b -> b.uri().equals(uri)).findFirst().orElseThrow();
    }

    /** Bytes from the client, as if read from its socket in one go. */
    DataPath send(String bytes) {
        client.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        return this;
    }

    /** Everything written to the client so far and not yet read by the test. */
    String received() {
        client.runPendingTasks();
        return drain(client);
    }

    /** The backend connections opened so far, in order. */
    List<EmbeddedChannel> backends() {
        return opened;
    }

    /** The newest backend connection. */
    EmbeddedChannel backend() {
        return opened.get(opened.size() - 1);
    }

    /** Everything written (and flushed) to a backend connection so far and not yet read. */
    static String sentTo(EmbeddedChannel backend) {
        backend.runPendingTasks();
        return drain(backend);
    }

    /** The backend answers with these bytes. */
    static void answer(EmbeddedChannel backend, String bytes) {
        backend.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Moves the shared clock and runs what came due on the client's loop and every backend connection. */
    void advance(Duration duration) {
        ticker.advance(duration.toNanos(), TimeUnit.NANOSECONDS);
        client.runScheduledPendingTasks();
        opened.forEach(EmbeddedChannel::runScheduledPendingTasks);
    }

    private static String drain(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        Object message;
        while ((message = channel.readOutbound()) != null) {
            if (message instanceof ByteBuf buf) {
                text.append(buf.toString(StandardCharsets.ISO_8859_1));
            }
            ReferenceCountUtil.release(message);
        }
        return text.toString();
    }

    @Override
    public void close() {
        client.finishAndReleaseAll();
        opened.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
