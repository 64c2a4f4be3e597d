package io.loomcluster.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.loomcluster.app.config.AbuseLimits;
import io.loomcluster.app.config.AppConfig;
import io.loomcluster.app.db.Database;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.discovery.Registration;
import io.loomcluster.app.graphql.GraphqlApi;
import io.loomcluster.app.graphql.GraphqlRoutes;
import io.loomcluster.app.graphql.NotificationResolvers;
import io.loomcluster.app.graphql.ReadResolvers;
import io.loomcluster.app.graphql.Resolvers;
import io.loomcluster.app.health.HealthRoutes;
import io.loomcluster.app.health.Readiness;
import io.loomcluster.app.http.ClientScheme;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.http.JettyErrors;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.http.JsonResponse;
import io.loomcluster.app.http.OriginPolicy;
import io.loomcluster.app.http.Problems;
import io.loomcluster.app.messages.AfterPost;
import io.loomcluster.app.messages.IdempotencyJanitor;
import io.loomcluster.app.messages.MessageRoutes;
import io.loomcluster.app.messages.MessageService;
import io.loomcluster.app.messages.PostEffects;
import io.loomcluster.app.messages.PostRateLimiter;
import io.loomcluster.app.jobs.JobMetrics;
import io.loomcluster.app.jobs.JobRuntime;
import io.loomcluster.app.notifications.NotificationRoutes;
import io.loomcluster.app.notifications.NotificationService;
import io.loomcluster.app.webhooks.SsrfGuard;
import io.loomcluster.app.webhooks.WebhookDeliveries;
import io.loomcluster.app.webhooks.WebhookRoutes;
import io.loomcluster.app.webhooks.WebhookService;
import io.loomcluster.app.webhooks.WebhookSettings;
import io.loomcluster.app.metrics.Metrics;
import io.loomcluster.app.presence.Presence;
import io.loomcluster.app.presence.PresenceRoutes;
import io.loomcluster.app.presence.Usernames;
import io.loomcluster.app.realtime.LiveAccess;
import io.loomcluster.app.realtime.LiveMetrics;
import io.loomcluster.app.realtime.LiveNotifications;
import io.loomcluster.app.realtime.LiveRooms;
import io.loomcluster.app.realtime.LongPollTransport;
import io.loomcluster.app.realtime.LiveEvents;
import io.loomcluster.app.realtime.NotificationSse;
import io.loomcluster.app.realtime.SessionStreams;
import io.loomcluster.app.realtime.Signals;
import io.loomcluster.app.realtime.SseTransport;
import io.loomcluster.app.realtime.Typing;
import io.loomcluster.app.realtime.WebSocketTransport;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.redis.SlidingWindows;
import io.loomcluster.app.rooms.Memberships;
import io.loomcluster.app.rooms.ReadMarkers;
import io.loomcluster.app.rooms.ReadRoutes;
import io.loomcluster.app.rooms.RoomRoutes;
import io.loomcluster.app.rooms.RoomService;
import io.loomcluster.app.sessions.Auth;
import io.loomcluster.app.sessions.LoginRateLimiter;
import io.loomcluster.app.sessions.SessionRoutes;
import io.loomcluster.app.sessions.SessionStore;
import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.app.users.PasswordHasher;
import io.loomcluster.app.users.RegistrationLimiter;
import io.loomcluster.app.users.UserService;
import io.loomcluster.app.web.WebRoutes;
import io.loomcluster.contract.Pause;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The running service: every part wired here, top to bottom, and stopped in reverse on shutdown. */
public final class App {
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final AppConfig config;
    private final Metrics metrics;
    private final Tracing tracing;
    private final Database database;
    private final Redis redis;
    private final Redis subscriptions;
    private final Readiness readiness;
    private final Registration registration;
    private final LiveEvents events;
    private final SessionStore sessions;
    private final SessionStreams sessionStreams;
    private final LiveRooms live;
    private final Presence presence;
    private final LiveNotifications liveNotifications;
    private final IdempotencyJanitor janitor;
    private final RequestTracker tracker;
    private final JobRuntime jobs;
    private final WebhookDeliveries webhookDeliveries;
    private final Javalin javalin;

    private App(AppConfig config) {
        this.config = config;
        ObjectMapper json = JsonBody.mapperBuilder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
        metrics = new Metrics(config.instanceId());
        tracing = config.tracing() ? Tracing.fromEnvironment(System.getenv()) : Tracing.off();
        database = Database.connect(config.database(), metrics.registry());
        database.migrate(config.startupTimeout());
        redis = Redis.connect(config.redis(), tracing);
        subscriptions = Redis.connectForSubscriptions(config.redis());
        readiness = new Readiness(database, redis);
        registration = new Registration(redis, config.advertisedUrl(), config.roles(), Clock.systemUTC());
        Signals signals = new Signals();
        Signals userSignals = new Signals();
        Sql sql = new Sql(database, tracing);
        Problems problems = new Problems(json);
        JsonBody body = new JsonBody();
        InFlightLimiter limiter = new InFlightLimiter(config.maxInFlight());
        // A session's live streams end with it: at once when it is deleted anywhere, at the next sweep when it expired.
        sessionStreams = new SessionStreams(config.heartbeat());
        sessions = new SessionStore(redis, subscriptions, json, config.sessionIdleTimeout(), config.sessionAbsoluteTimeout(),
                Clock.systemUTC(), sessionStreams::loggedOut);
        ClientScheme scheme = new ClientScheme(config.trustedProxies());
        Auth auth = new Auth(sessions, config.cookieSecure(), scheme);
        UserService users = new UserService(sql, new PasswordHasher(config.bcryptCost()));
        SlidingWindows windows = new SlidingWindows(redis, Clock.systemUTC());
        AbuseLimits limits = config.limits();
        LoginRateLimiter loginLimiter = new LoginRateLimiter(windows, limits.loginPerAddressAndUser(), limits.loginPerAddress(),
                limits.loginWindow(), limits.loginFailuresPerUser(), limits.loginFailureWindow());
        RegistrationLimiter registrationLimiter = new RegistrationLimiter(windows, limits.registrationsPerAddress(),
                limits.registrationWindow());
        // Background jobs: a post adds its jobs to the outbox in its transaction; the relay moves them
        // to Redis streams; workers (ROLE=worker) run them.
        SsrfGuard guard = new SsrfGuard(config.webhooks().allowedHosts(), InetAddress::getAllByName);
        WebhookService webhooks = new WebhookService(sql, guard);
        RoomService rooms = new RoomService(sql, redis, json, webhooks);
        // A new notification (made by whichever process runs the job) wakes its user's streams everywhere.
        NotificationService notifications = new NotificationService(sql, json, LiveEvents.notifier(redis, userSignals));
        webhookDeliveries = new WebhookDeliveries(sql, json, guard, config.webhooks(), Clock.systemUTC());
        jobs = new JobRuntime(redis.client(), sql, config.jobs(), new JobMetrics(metrics.registry()), config.instanceId(),
                List.of(new JobRuntime.Handler(NotificationService.JOB_TYPE, notifications,
                                Executors.newVirtualThreadPerTaskExecutor(), config.jobs().concurrency()),
                        new JobRuntime.Handler(WebhookService.JOB_TYPE, webhookDeliveries,
                                webhookExecutor(config.webhooks()), config.webhooks().concurrency())));
        // A post commits its jobs with it (PostEffects), then wakes the relay and tells the live feeds (AfterPost).
        MessageService messages = new MessageService(sql, rooms, PostEffects.all(notifications, webhooks),
                new PostRateLimiter(redis, config.messageRateLimit()), AfterPost.all(jobs, LiveEvents.announcer(redis, signals)),
                config.messageEditWindow());
        janitor = new IdempotencyJanitor(sql, config.idempotencyRetention());
        // Live delivery: the room feeds read PostgreSQL when the signal bus says a room has news.
        LiveMetrics liveMetrics = new LiveMetrics(metrics);
        // Presence: who has a live connection to each room, cluster-wide; every instance's listener hands
        // each change to its streams of the room (through the live events, wired once they exist).
        Usernames usernames = Usernames.of(users);
        AtomicReference<LiveEvents> presenceEvents = new AtomicReference<>();
        presence = new Presence(redis, subscriptions, config.instanceId(), usernames,
                (room, user, name, online) -> {
                    LiveEvents wired = presenceEvents.get();
                    if (wired != null) {
                        wired.presence(room, user, name, online);
                    }
                }, config.presence());
        live = new LiveRooms(messages::changes, signals,
                liveMetrics, sessionStreams, config.maxSubscribers(), config.maxStreamsPerUser(), config.subscriberBuffer(),
                config.slowConsumerTimeout(), presence);
        liveNotifications = new LiveNotifications(notifications::after, userSignals, liveMetrics, sessionStreams,
                config.maxSubscribers(), config.subscriberBuffer(), config.slowConsumerTimeout());
        Memberships memberships = new Memberships(rooms);
        events = new LiveEvents(redis, subscriptions, signals, userSignals, (room, user) -> {
            memberships.left(room, user);
            live.kick(room, user);
        }, memberships.cache(), live);
        presenceEvents.set(events);
        LiveAccess liveAccess = new LiveAccess(auth, rooms, messages::lastPosition, live);
        Typing typing = new Typing(memberships, redis, events);
        // Read markers: a marker that moved is told to the user's own streams of the room, everywhere.
        ReadMarkers reads = new ReadMarkers(sql, rooms, events::read);
        var sse = new SseTransport(live, liveAccess, limiter, json, config.heartbeat());
        var notificationSse = new NotificationSse(liveNotifications, auth, notifications::lastId, sse);
        var webSockets = new WebSocketTransport(live, liveAccess, json,
                WebSocketTransport.Writes.of(messages, typing, reads::markRead), ErrorMapping::toApi, config.heartbeat());
        var longPolls = new LongPollTransport(live, limiter, config.maxSubscribers());
        tracker = new RequestTracker(config.instanceId(), limiter, metrics, tracing, config.trustedProxies());
        metrics.gauge("loom_requests_in_flight", "API requests being worked on", limiter::inFlight);
        metrics.gauge("loom_requests_in_flight_max", "MAX_IN_FLIGHT: above it, API requests get a fast 503",
                config::maxInFlight);

        var sessionRoutes = new SessionRoutes(users, sessions, auth, loginLimiter, registrationLimiter,
                config.trustedProxies(), body, notifications::unread);
        var roomRoutes = new RoomRoutes(rooms, reads, auth, body, events::left);
        var readRoutes = new ReadRoutes(reads, auth, body);
        var presenceRoutes = new PresenceRoutes(presence, rooms, usernames, auth);
        var messageRoutes = new MessageRoutes(messages, memberships, longPolls, auth, body, new JsonResponse(json));
        var notificationRoutes = new NotificationRoutes(notifications, auth, body);
        var webhookRoutes = new WebhookRoutes(webhooks, auth, body);
        metrics.gauge("loom_jobs_in_flight", "jobs running in this worker", jobs::inFlight);
        var healthRoutes = new HealthRoutes(readiness, metrics, problems);
        var graphqlRoutes = new GraphqlRoutes(new GraphqlApi(new Resolvers(rooms, messages, users, metrics),
                new NotificationResolvers(notifications), new ReadResolvers(reads, metrics), config.graphqlIntrospection(),
                config.graphqlMaxMutations()), auth, body);
        metrics.gauge("loom_long_polls_waiting", "long-poll requests parked waiting for messages", longPolls::waiting);

        javalin = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.prefer405over404 = true;
            cfg.http.maxRequestSize = JsonBody.MAX_BYTES;
            cfg.jsonMapper(new JavalinJackson(json, true));
            cfg.jetty.port = config.port();
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrors()));
            // Jetty's per-connection cache of header fields is a ~100 KB trie once a connection has
            // carried a second request: with thousands of kept-alive long-poll connections that is
            // most of the heap. Parsing headers without it costs a little CPU.
            cfg.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
            // Jetty's default accept queue is the JVM's 50: a storm of connects from the balancer
            // (every stream of a restarted instance coming back) would time out in the kernel.
            cfg.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setPort(config.port());
                connector.setAcceptQueueSize(config.acceptQueue());
                return connector;
            });
            cfg.requestLogger.http(tracker::completed);
            tracker.install(cfg.routes);
            new ErrorMapping(problems).install(cfg.routes);
            new OriginPolicy(config.allowedOrigins(), config.trustedProxies()).register(cfg.routes);
            scheme.register(cfg.routes);
            // A worker-only process serves health and metrics, no API.
            if (config.roles().servesHttp()) {
                sessionRoutes.register(cfg.routes);
                roomRoutes.register(cfg.routes);
                readRoutes.register(cfg.routes);
                presenceRoutes.register(cfg.routes);
                messageRoutes.register(cfg.routes);
                notificationRoutes.register(cfg.routes);
                webhookRoutes.register(cfg.routes);
                sse.register(cfg.routes);
                notificationSse.register(cfg.routes);
                webSockets.register(cfg.routes);
                typing.register(cfg.routes, auth);
                graphqlRoutes.register(cfg.routes);
            }
            healthRoutes.register(cfg.routes);
            new WebRoutes().register(cfg.routes);
        });
    }

    public static App start(AppConfig config) {
        App app = new App(config);
        app.events.start();
        app.presence.start();
        app.sessions.start();
        app.sessionStreams.start(app.sessions::isLive);
        app.readiness.start();
        app.janitor.start();
        app.jobs.start();
        app.javalin.start(app.config.port());
        // Only API instances take traffic from the balancer.
        if (app.config.registerInRedis() && app.config.roles().servesHttp()) {
            app.registration.start();
        }
        log.info("instance {} listening on port {} (advertised as {})", app.config.instanceId(), app.config.port(),
                app.config.advertisedUrl());
        return app;
    }

    /**
     * Graceful stop: readiness turns 503 and the instance leaves Redis discovery; after a short delay
     * (balancers notice) live streams and long-polls are ended, in-flight requests finish, then the
     * server stops.
     */
    public void shutdown() {
        log.info("shutdown: draining");
        readiness.startDraining();
        registration.withdraw();
        // Nothing to wait on: balancers learn of the drain by their next health check.
        Pause.sleep(config.shutdownDrainDelay());
        liveNotifications.closeAll();
        if (!live.closeAll(config.shutdownTimeout())) {
            log.warn("shutdown: some live connections did not close in time");
        }
        // Its users leave now rather than when the lease ends (unless connected to another instance).
        presence.close();
        boolean drained = tracker.awaitIdle(config.shutdownTimeout());
        log.info("shutdown: {} in-flight requests", drained ? "no" : "gave up waiting for");
        boolean jobsDrained = jobs.drain(config.shutdownTimeout());
        log.info("shutdown: {}", jobsDrained ? "no jobs running" : "jobs still running are left pending for other workers");
        javalin.stop();
        jobs.close();
        webhookDeliveries.close();
        events.close();
        sessionStreams.close();
        sessions.close();
        janitor.close();
        readiness.close();
        registration.close();
        subscriptions.close();
        redis.close();
        database.close();
        metrics.close();
        tracing.close();
        log.info("shutdown: done");
    }

    private static ExecutorService webhookExecutor(WebhookSettings settings) {
        if (settings.virtualThreads()) {
            return Executors.newVirtualThreadPerTaskExecutor();
        }
        // The queue never holds more than the worker's permits (WEBHOOK_CONCURRENCY): bounded.
        int threads = settings.platformThreads();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, settings.concurrency())),
                Thread.ofPlatform().name("webhook-", 0).factory());
    }
}
