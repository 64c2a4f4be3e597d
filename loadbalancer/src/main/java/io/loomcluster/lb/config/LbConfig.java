package io.loomcluster.lb.config;

import io.loomcluster.contract.Env;
import io.loomcluster.contract.RedisTarget;
import io.loomcluster.contract.TrustedProxies;
import io.loomcluster.lb.selection.SelectionStrategy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The balancer's whole configuration, read once from the environment and validated at start-up. */
public record LbConfig(
        int port,
        String adminHost,
        int adminPort,
        Discovery discovery,
        List<URI> backends,
        String strategy,
        RedisTarget redis,
        Duration dnsInterval,
        Duration redisInterval,
        Health health,
        Timeouts timeouts,
        Limits limits,
        Io io,
        Tls tls,
        Edge edge,
        Routes routes,
        List<Pool> pools,
        Observability tracing) {

    /** Active checks and passive ejection. */
    public record Health(String path, Duration interval, Duration timeout, int rise, int fall) {
    }

    /**
     * Connect, idle and total bounds on the way to a backend, how long a client may take to send its
     * request headers, and how long shutdown may take.
     */
    public record Timeouts(Duration connect, Duration idle, Duration request, Duration poolIdle,
                           Duration webSocketIdle, Duration shutdown, Duration header) {
    }

    /**
     * The data path: event loops (threads) serving client and backend connections, how many other
     * backends a failed request may try, and whether each request is logged.
     */
    public record Io(int eventLoops, int retries, boolean accessLog) {
    }

    /**
     * Tracing (on when the standard {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set; the SDK reads the other
     * {@code OTEL_*} variables itself), which clients may name the trace ({@code LB_TRACE_TRUSTED}:
     * none by default, the balancer is the edge), and the log format ({@code LOG_FORMAT}, read by
     * logback.xml and checked here).
     */
    public record Observability(boolean enabled, TrustedProxies trusted, String logFormat) {
    }

    /** Sizes and counts with a bound; what happens at each bound is in docs/balancer.md. */
    public record Limits(long maxBodyBytes, int maxHeaderBytes, int retryBufferBytes, int maxConnectionsPerBackend,
                         int maxQueuedPerBackend, int maxClientConnections, int maxStreamsPerBackend, int acceptBacklog) {
    }

    /**
     * {@code LB_MAX_CLIENT_CONNECTIONS} when unset: as many as the process's open-file limit lets the
     * balancer hold with a backend connection each (two descriptors per client, a reserve for the
     * rest), at most 100 000.
     */
    static int defaultClientConnections(long maxFileDescriptors) {
        if (maxFileDescriptors <= 0) {
            return 10_000;
        }
        return (int) Math.max(1_000, Math.min(100_000, (maxFileDescriptors - 512) / 2));
    }

    private static long maxFileDescriptors() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * TLS termination on its own port ({@code LB_TLS_PORT}) when {@code LB_TLS_CERT} and
     * {@code LB_TLS_KEY} name PEM files; the files are polled every {@code reload} and a changed pair
     * is used for new handshakes. {@code redirect}: plain HTTP answers 308 to the HTTPS port.
     */
    public record Tls(boolean enabled, int port, Path cert, Path key, Duration reload, boolean redirect) {
    }

    /**
     * Who the client is and how much it may take: peers whose forwarding headers (and PROXY protocol
     * header) are believed, whether the listeners expect a PROXY protocol header, connections per
     * client address, a token bucket per client address (0 = no rate limit), and the clients neither
     * limit applies to. Addresses are counted per IPv6 /64 ({@code ClientKeys}).
     */
    public record Edge(TrustedProxies trustedProxies, boolean proxyProtocol, int maxConnectionsPerClient,
                       double ratePerSecond, int rateBurst, int maxTrackedClients, TrustedProxies limitsExempt) {
    }

    /** {@code LB_MAX_CONNECTIONS_PER_CLIENT} when unset: generous for a NAT's worth of browsers, a bound for one abuser. */
    public static final int DEFAULT_CONNECTIONS_PER_CLIENT = 512;
    /** {@code LB_RATE_LIMIT} when unset. */
    public static final String DEFAULT_RATE_LIMIT = "500/s";
    /**
     * {@code LB_CLIENT_LIMITS_EXEMPT} when unset: the machine itself (its load generators, probes and
     * a sidecar proxy, which should be listed in {@code LB_TRUSTED_PROXIES} so that its clients are
     * limited by their forwarded address).
     */
    public static final String DEFAULT_LIMITS_EXEMPT = "127.0.0.0/8,::1/128";

    /**
     * One named pool of backends ({@code LB_ROUTES}): its own discovery (Redis key
     * {@code Names.backendsKey(name)}), health check, strategy, request timeout and retries, each
     * {@code LB_POOL_<NAME>_...} falling back to the global setting. {@code streams}
     * ({@code LB_POOL_<NAME>_STREAMS}, true by default for a pool named {@code streams}): its requests
     * are long-lived (parked long-polls), counted against {@code LB_MAX_STREAMS_PER_BACKEND} rather
     * than the connection pool sized for short requests.
     */
    public record Pool(String name, Discovery discovery, List<URI> backends, String strategy, Health health,
                       Duration requestTimeout, int retries, boolean streams) {
    }

    /** Settings of the Jetty data path that the event loops have no use for, and what to do instead. */
    static final Map<String, String> REMOVED = Map.of(
            "LB_THREADS", "the data path runs on event loops: set LB_EVENT_LOOPS (default: one per core)",
            "LB_WS_MAX_MESSAGE_BYTES", "WebSocket frames are relayed as bytes after the 101, so the backend's"
                    + " WebSocket server bounds message sizes; remove the setting");

    public static LbConfig fromEnv(Map<String, String> values) {
        Env env = new Env(values);
        REMOVED.forEach(env::removed);
        Discovery discovery = discovery("LB_DISCOVERY", env.string("LB_DISCOVERY", "static"));
        List<URI> backends = backends("LB_BACKENDS", env.string("LB_BACKENDS", ""));
        String rawRoutes = env.string("LB_ROUTES", null);
        Routes routes = rawRoutes == null || rawRoutes.isBlank() ? Routes.single() : Routes.parse(rawRoutes);
        if (rawRoutes == null && discovery instanceof Discovery.Static && backends.isEmpty()) {
            throw Env.missing("LB_BACKENDS", "a comma-separated list of http://host:port when LB_DISCOVERY is static");
        }
        String strategy = env.string("LB_STRATEGY", "round-robin");
        if (!SelectionStrategy.NAMES.contains(strategy)) {
            throw Env.invalid("LB_STRATEGY", strategy, "one of round-robin, least-requests, p2c");
        }
        Health health = health(env);
        Timeouts timeouts = timeouts(env);
        Io io = io(env);
        List<Pool> pools = new ArrayList<>();
        for (String name : routes.pools()) {
            pools.add(rawRoutes == null
                    ? new Pool(name, discovery, backends, strategy, health, timeouts.request(), io.retries(), false)
                    : pool(env, name, discovery, backends, strategy, health, timeouts.request(), io.retries()));
        }
        boolean anyRedis = pools.stream().anyMatch(p -> p.discovery() instanceof Discovery.Redis);
        RedisTarget redis = RedisTarget.fromEnv(env, anyRedis || discovery instanceof Discovery.Redis, " when LB_DISCOVERY is redis");
        int port = env.port("LB_PORT", 8080);
        int adminPort = env.port("LB_ADMIN_PORT", 8079);
        if (port == adminPort) {
            throw Env.invalid("LB_ADMIN_PORT", Integer.toString(adminPort), "a port different from LB_PORT");
        }
        return new LbConfig(port, env.string("LB_ADMIN_HOST", "127.0.0.1"), adminPort, discovery, backends,
                strategy, redis,
                env.duration("LB_DNS_INTERVAL", Duration.ofSeconds(5), Duration.ofMillis(100)),
                env.duration("LB_REDIS_INTERVAL", Duration.ofSeconds(1), Duration.ofMillis(100)),
                health, timeouts, limits(env), io, tls(env, port, adminPort), edge(env), routes, List.copyOf(pools),
                observability(env));
    }

    /** A pool's {@code LB_POOL_<NAME>_...} settings over the global ones. */
    private static Pool pool(Env env, String name, Discovery discovery, List<URI> backends, String strategy,
                             Health health, Duration requestTimeout, int retries) {
        String p = "LB_POOL_" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
        String rawDiscovery = env.string(p + "DISCOVERY", null);
        Discovery poolDiscovery = rawDiscovery == null ? discovery : discovery(p + "DISCOVERY", rawDiscovery);
        String rawBackends = env.string(p + "BACKENDS", null);
        List<URI> poolBackends = rawBackends == null ? backends : backends(p + "BACKENDS", rawBackends);
        if (poolDiscovery instanceof Discovery.Static && poolBackends.isEmpty()) {
            throw Env.missing(p + "BACKENDS", "the backends of pool '" + name + "' (http://host:port,...), or LB_BACKENDS"
                    + " for every pool, or " + p + "DISCOVERY=redis");
        }
        String poolStrategy = env.string(p + "STRATEGY", strategy);
        if (!SelectionStrategy.NAMES.contains(poolStrategy)) {
            throw Env.invalid(p + "STRATEGY", poolStrategy, "one of round-robin, least-requests, p2c");
        }
        String path = env.string(p + "HEALTH_PATH", health.path());
        if (!path.startsWith("/")) {
            throw Env.invalid(p + "HEALTH_PATH", path, "a path starting with /");
        }
        return new Pool(name, poolDiscovery, poolBackends, poolStrategy,
                new Health(path, health.interval(), health.timeout(), health.rise(), health.fall()),
                env.duration(p + "REQUEST_TIMEOUT", requestTimeout, Duration.ofMillis(100)),
                env.integer(p + "RETRIES", retries, 0, 10),
                env.bool(p + "STREAMS", name.equals("streams")));
    }

    private static Tls tls(Env env, int port, int adminPort) {
        String cert = env.string("LB_TLS_CERT", null);
        String key = env.string("LB_TLS_KEY", null);
        int tlsPort = env.port("LB_TLS_PORT", 8443);
        Duration reload = env.duration("LB_TLS_RELOAD_INTERVAL", Duration.ofSeconds(2), Duration.ofMillis(100));
        boolean redirect = env.bool("LB_HTTPS_REDIRECT", false);
        if (cert == null && key == null) {
            if (redirect) {
                throw Env.missing("LB_TLS_CERT", "a PEM certificate chain when LB_HTTPS_REDIRECT is true");
            }
            return new Tls(false, tlsPort, null, null, reload, false);
        }
        if (cert == null) {
            throw Env.missing("LB_TLS_CERT", "the PEM certificate chain that goes with LB_TLS_KEY");
        }
        if (key == null) {
            throw Env.missing("LB_TLS_KEY", "the PEM (PKCS#8) private key that goes with LB_TLS_CERT");
        }
        if (tlsPort == port || tlsPort == adminPort) {
            throw Env.invalid("LB_TLS_PORT", Integer.toString(tlsPort), "a port different from LB_PORT and LB_ADMIN_PORT");
        }
        return new Tls(true, tlsPort, Path.of(cert), Path.of(key), reload, redirect);
    }

    private static Edge edge(Env env) {
        List<io.loomcluster.contract.Cidr> ranges = env.cidrs("LB_TRUSTED_PROXIES", "");
        TrustedProxies trusted = new TrustedProxies(ranges);
        boolean proxyProtocol = env.bool("LB_PROXY_PROTOCOL", false);
        if (proxyProtocol && ranges.isEmpty()) {
            throw Env.missing("LB_TRUSTED_PROXIES", "the proxies (addresses or CIDRs) that may send a PROXY protocol"
                    + " header when LB_PROXY_PROTOCOL is on");
        }
        String rate = env.string("LB_RATE_LIMIT", DEFAULT_RATE_LIMIT);
        double perSecond = rate.equals("off") ? 0 : rate(rate);
        int burst = env.integer("LB_RATE_BURST", perSecond == 0 ? 1 : (int) Math.max(1, Math.ceil(2 * perSecond)), 1,
                10_000_000);
        String exempt = env.string("LB_CLIENT_LIMITS_EXEMPT", DEFAULT_LIMITS_EXEMPT);
        return new Edge(trusted, proxyProtocol,
                env.integer("LB_MAX_CONNECTIONS_PER_CLIENT", DEFAULT_CONNECTIONS_PER_CLIENT, 0, 1_000_000), perSecond, burst,
                env.integer("LB_RATE_LIMIT_CLIENTS", 100_000, 16, 10_000_000),
                new TrustedProxies(exempt.equals("none") ? List.of() : env.cidrs("LB_CLIENT_LIMITS_EXEMPT", exempt)));
    }

    /** {@code 200/s}, {@code 600/m} or {@code 5000/h}: requests per second. */
    static double rate(String raw) {
        String[] parts = raw.trim().split("/");
        if (parts.length == 2) {
            try {
                double count = Double.parseDouble(parts[0].trim());
                double seconds = switch (parts[1].trim()) {
                    case "s" -> 1;
                    case "m" -> 60;
                    case "h" -> 3600;
                    default -> 0;
                };
                if (count > 0 && seconds > 0 && Double.isFinite(count)) {
                    return count / seconds;
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw Env.invalid("LB_RATE_LIMIT", raw, "requests per second, minute or hour such as 200/s or 600/m, or off");
    }

    /**
     * One loop per core. Measured on two cores shared with the load and the backends
     * (docs/benchmarks/2026-11-29-balancer-plain.md): two loops against one gave +8 % req/s at 64
     * connections and +14 % at 1024, -6 % at 256, with a longer p99 at 64; one per core is the better
     * default overall.
     */
    static int defaultEventLoops(int cores) {
        return Math.max(1, cores);
    }

    private static Io io(Env env) {
        return new Io(
                env.integer("LB_EVENT_LOOPS", defaultEventLoops(Runtime.getRuntime().availableProcessors()), 1, 256),
                env.integer("LB_RETRIES", 2, 0, 10),
                env.bool("LB_ACCESS_LOG", true));
    }

    private static Observability observability(Env env) {
        boolean enabled = env.string("OTEL_EXPORTER_OTLP_ENDPOINT", null) != null
                || env.string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", null) != null;
        String format = env.string("LOG_FORMAT", "text");
        if (!format.equals("text") && !format.equals("json")) {
            throw Env.invalid("LOG_FORMAT", format, "text or json");
        }
        return new Observability(enabled, new TrustedProxies(env.cidrs("LB_TRACE_TRUSTED", "")), format);
    }

    private static Discovery discovery(String name, String raw) {

        if (raw.equals("static")) {
            return new Discovery.Static();
        }
        if (raw.equals("redis")) {
            return new Discovery.Redis();
        }
        String[] parts = raw.split(":");
        if (parts.length == 3 && parts[0].equals("dns") && !parts[1].isBlank()) {
            try {
                int port = Integer.parseInt(parts[2]);
                if (port >= 1 && port <= 65535) {
                    return new Discovery.Dns(parts[1], port);
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw Env.invalid(name, raw, "static, redis or dns:NAME:PORT");
    }

    private static List<URI> backends(String name, String raw) {
        List<URI> result = new ArrayList<>();
        for (String part : raw.split(",")) {
            if (!part.isBlank()) {
                URI uri = httpBase(name, part);
                if (!result.contains(uri)) {
                    result.add(uri);
                }
            }
        }
        return List.copyOf(result);
    }

    private static Health health(Env env) {
        String path = env.string("LB_HEALTH_PATH", "/health/ready");
        if (!path.startsWith("/")) {
            throw Env.invalid("LB_HEALTH_PATH", path, "a path starting with /");
        }
        return new Health(path,
                env.duration("LB_HEALTH_INTERVAL", Duration.ofSeconds(2), Duration.ofMillis(50)),
                env.duration("LB_HEALTH_TIMEOUT", Duration.ofSeconds(1), Duration.ofMillis(10)),
                env.integer("LB_HEALTH_RISE", 2, 1, 100),
                env.integer("LB_HEALTH_FALL", 2, 1, 100));
    }

    private static Timeouts timeouts(Env env) {
        return new Timeouts(
                env.duration("LB_CONNECT_TIMEOUT", Duration.ofSeconds(2), Duration.ofMillis(10)),
                env.duration("LB_IDLE_TIMEOUT", Duration.ofSeconds(60), Duration.ofMillis(100)),
                env.duration("LB_REQUEST_TIMEOUT", Duration.ofSeconds(60), Duration.ofMillis(100)),
                env.duration("LB_POOL_IDLE_TIMEOUT", Duration.ofSeconds(20), Duration.ofMillis(100)),
                env.duration("LB_WS_IDLE_TIMEOUT", Duration.ofMinutes(5), Duration.ofMillis(100)),
                env.duration("LB_SHUTDOWN_TIMEOUT", Duration.ofSeconds(30), Duration.ZERO),
                env.duration("LB_HEADER_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100)));
    }

    private static Limits limits(Env env) {
        return new Limits(
                env.bytes("LB_MAX_BODY_BYTES", 10L * 1024 * 1024, 0),
                (int) env.bytes("LB_MAX_HEADER_BYTES", 16 * 1024, 1024),
                (int) env.bytes("LB_RETRY_BUFFER_BYTES", 64 * 1024, 0),
                env.integer("LB_MAX_CONNECTIONS_PER_BACKEND", 512, 1, 100_000),
                env.integer("LB_MAX_QUEUED_PER_BACKEND", 64, 1, 1_000_000),
                env.integer("LB_MAX_CLIENT_CONNECTIONS", defaultClientConnections(maxFileDescriptors()), 1, 1_000_000),
                env.integer("LB_MAX_STREAMS_PER_BACKEND", 50_000, 1, 1_000_000),
                env.integer("LB_ACCEPT_BACKLOG", 4096, 16, 1_000_000));
    }

    /** An absolute {@code http://host:port} URL without path, the form backends are named in. */
    private static URI httpBase(String name, String raw) {
        try {
            URI uri = URI.create(raw.trim());
            boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
            if ("http".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0 && bare
                    && uri.getRawQuery() == null && uri.getRawUserInfo() == null) {
                return URI.create("http://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort());
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw Env.invalid(name, raw, "http://host:port (with an explicit port, no path)");
    }
}
