import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a bounded stream of requests through the balancer while {@code scripts/cluster} scales the
 * instances 2 → 4, restarts them one by one, and scales them down to 1. Passes when no request
 * failed, every instance that was up in a steady phase served requests in it (by
 * {@code X-Instance-Id}), and the room holds exactly the messages whose posts succeeded.
 *
 * <p>A failure is any answer but the expected 2xx, or no answer. A 503 with {@code Retry-After} is
 * the one answer the API documents as "not processed, try again": it is retried (same request, same
 * {@code Idempotency-Key}) after the time it names, and counted and reported as deferred.
 *
 * <p>Run by {@code scripts/scale-check}, which sets the cluster's ports and run folder.
 */
public final class ScaleCheck {
    static final int CLIENTS = Integer.getInteger("clients", 4);
    static final int RATE_PER_CLIENT = Integer.getInteger("rate", 60); // requests per second
    static final long MAX_REQUESTS = Long.getLong("maxRequests", 100_000);
    static final int MIN_SERVED = Integer.getInteger("minServed", 25); // per live instance in each steady phase
    static final Duration STEADY_DEADLINE = Duration.ofSeconds(60);
    static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
    static final Pattern LIVE_INSTANCE = Pattern.compile("(?m)^(app-\\d+)\\s+\\d+\\s+\\d+\\s+ready\\s*$");

    final URI base = URI.create("http://127.0.0.1:" + System.getenv().getOrDefault("LB_PORT", "8080"));
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final Map<String, Map<String, LongAdder>> servedByPhase = new ConcurrentHashMap<>();
    final List<String> phases = new ArrayList<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final Set<Long> postedIds = ConcurrentHashMap.newKeySet();
    final AtomicLong sent = new AtomicLong();
    final LongAdder gets = new LongAdder(), posts = new LongAdder(), failed = new LongAdder();
    final LongAdder deferred = new LongAdder(), replayed = new LongAdder();
    volatile String phase;
    volatile boolean stopping;

    public static void main(String[] args) throws Exception {
        System.exit(new ScaleCheck().run() ? 0 : 1);
    }

    boolean run() throws Exception {
        String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        List<String> cookies = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            cookies.add(signUp("scale_" + suffix + "_" + i));
        }
        long room = firstId(expect(call("POST", "/api/rooms", cookies.get(0), "{\"name\":\"scale-check\"}", null), 201));
        for (String cookie : cookies.subList(1, cookies.size())) {
            expect(call("POST", "/api/rooms/" + room + "/members", cookie, null, null), 204);
        }

        enterPhase("2 instances");
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String cookie = cookies.get(i), keyPrefix = suffix + "-" + i + "-";
            clients.add(Thread.ofVirtual().name("client-" + i).start(() -> traffic(room, cookie, keyPrefix)));
        }
        boolean ok = awaitEveryLiveInstanceServed();
        ok &= step("scaling 2 -> 4", "4 instances", "scale", "4");
        ok &= step("restarting one by one", "4 instances, restarted", "restart");
        ok &= step("scaling 4 -> 1", "1 instance", "scale", "1");
        stopping = true;
        for (Thread t : clients) {
            t.join();
        }
        ok &= report(room, cookies.get(0));
        return ok && failures.isEmpty();
    }

    /** Runs {@code scripts/cluster ARGS} during one phase, then waits for every live instance to serve in the next. */
    boolean step(String during, String after, String... clusterArgs) throws Exception {
        enterPhase(during);
        List<String> command = new ArrayList<>(List.of("scripts/cluster"));
        command.addAll(List.of(clusterArgs));
        int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (exit != 0) {
            failures.add("scripts/cluster " + String.join(" ", clusterArgs) + " exited with " + exit);
            return false;
        }
        enterPhase(after);
        return awaitEveryLiveInstanceServed();
    }

    /** True once every instance `scripts/cluster status` reports ready has answered MIN_SERVED requests in this phase. */
    boolean awaitEveryLiveInstanceServed() throws Exception {
        Set<String> live = liveInstances();
        Map<String, LongAdder> served = servedByPhase.get(phase);
        long deadline = System.nanoTime() + STEADY_DEADLINE.toNanos();
        while (!live.stream().allMatch(id -> served.containsKey(id) && served.get(id).sum() >= MIN_SERVED)) {
            if (System.nanoTime() > deadline || sent.get() >= MAX_REQUESTS) {
                failures.add("phase '" + phase + "': live instances " + live + " but not each served " + MIN_SERVED
                        + " requests within " + STEADY_DEADLINE.toSeconds() + "s and " + MAX_REQUESTS + " requests: " + served);
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        Set<String> strangers = new TreeSet<>(served.keySet());
        strangers.removeAll(live);
        if (!strangers.isEmpty()) {
            failures.add("phase '" + phase + "': served by " + strangers + ", which are not running");
        }
        return strangers.isEmpty();
    }

    Set<String> liveInstances() throws Exception {
        Process status = new ProcessBuilder("scripts/cluster", "status").redirectErrorStream(true).start();
        String out = new String(status.getInputStream().readAllBytes());
        status.waitFor();
        Set<String> live = new TreeSet<>();
        Matcher m = LIVE_INSTANCE.matcher(out);
        while (m.find()) {
            live.add(m.group(1));
        }
        if (live.isEmpty()) {
            throw new IllegalStateException("no ready instance in scripts/cluster status:\n" + out);
        }
        return live;
    }

    synchronized void enterPhase(String name) {
        servedByPhase.put(name, new ConcurrentHashMap<>());
        phases.add(name);
        phase = name;
        System.out.printf("scale-check: phase '%s'%n", name);
    }

    /** One client: a paced mix of room reads, message reads and idempotent posts until told to stop. */
    void traffic(long room, String cookie, String keyPrefix) {
        long interval = 1_000_000_000L / RATE_PER_CLIENT, next = System.nanoTime();
        long lastPosted = 0;
        for (long n = 0; !stopping && sent.incrementAndGet() <= MAX_REQUESTS; n++) {
            LockSupport.parkNanos(next - System.nanoTime()); // pacing, so the check does not starve the cluster
            next += interval;
            try {
                switch ((int) (n % 3)) {
                    case 0 -> counted(gets, call("GET", "/api/rooms/" + room, cookie, null, null), 200);
                    case 1 -> counted(gets, call("GET", "/api/rooms/" + room + "/messages?limit=20&after="
                            + Math.max(0, lastPosted - 10), cookie, null, null), 200);
                    default -> {
                        HttpResponse<String> r = counted(posts, call("POST", "/api/rooms/" + room + "/messages", cookie,
                                "{\"text\":\"message " + n + "\"}", keyPrefix + n), 201);
                        if (r != null) {
                            lastPosted = firstId(r);
                            postedIds.add(lastPosted);
                            if (r.headers().firstValue("Idempotent-Replayed").isPresent()) {
                                replayed.increment();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                failed.increment();
                failures.add(phase + ": no answer: " + e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Records who served the response; a status other than expected is a failure (and returns null). */
    HttpResponse<String> counted(LongAdder kind, HttpResponse<String> r, int expected) {
        kind.increment();
        String servedBy = r.headers().firstValue("X-Instance-Id").orElse("(the balancer)");
        servedByPhase.get(phase).computeIfAbsent(servedBy, k -> new LongAdder()).increment();
        if (r.statusCode() == expected) {
            return r;
        }
        failed.increment();
        failures.add(phase + ": " + r.request().method() + " " + r.request().uri().getPath() + " -> " + r.statusCode()
                + " from " + servedBy + " (request " + r.headers().firstValue("X-Request-Id").orElse("?") + "): " + r.body());
        return null;
    }

    /** One request; a 503 with Retry-After (documented as not processed) is sent again after that time. */
    HttpResponse<String> call(String method, String path, String cookie, String json, String idempotencyKey)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        HttpRequest request = b.build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            var retryAfter = r.headers().firstValue("Retry-After");
            if (r.statusCode() != 503 || retryAfter.isEmpty() || attempt == 3) {
                return r;
            }
            deferred.increment();
            System.out.printf("scale-check: deferred (503, Retry-After %s) %s %s: %s%n", retryAfter.get(), method, path, r.body());
            Thread.sleep(Duration.ofSeconds(Math.min(5, Long.parseLong(retryAfter.get().trim())))); // as the server asked
        }
    }

    String signUp(String username) throws Exception {
        String credentials = "{\"username\":\"" + username + "\",\"password\":\"scale-check-password\"}";
        expect(call("POST", "/api/users", null, credentials, null), 201);
        HttpResponse<String> login = expect(call("POST", "/api/session", null, credentials, null), 200);
        return login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    }

    static HttpResponse<String> expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " -> " + r.statusCode() + ": " + r.body());
        }
        return r;
    }

    static long firstId(HttpResponse<String> r) {
        Matcher m = ID.matcher(r.body());
        if (!m.find()) {
            throw new IllegalStateException("no id in " + r.body());
        }
        return Long.parseLong(m.group(1));
    }

    /** Prints what each phase saw and checks the room holds exactly the messages whose posts succeeded. */
    boolean report(long room, String cookie) throws Exception {
        for (String p : phases) {
            Map<String, Long> byInstance = new TreeMap<>();
            servedByPhase.get(p).forEach((id, n) -> byInstance.put(id, n.sum()));
            long total = byInstance.values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("scale-check:   %-24s %6d requests  %s%n", p, total, byInstance);
        }
        Set<Long> stored = new TreeSet<>();
        for (long after = 0; ; ) {
            HttpResponse<String> page = expect(call("GET", "/api/rooms/" + room + "/messages?limit=100&after=" + after, cookie, null, null), 200);
            Matcher m = ID.matcher(page.body());
            int before = stored.size();
            while (m.find()) {
                after = Math.max(after, Long.parseLong(m.group(1)));
                stored.add(Long.parseLong(m.group(1)));
            }
            if (stored.size() == before) {
                break;
            }
        }
        boolean same = stored.equals(new TreeSet<>(postedIds));
        if (!same) {
            failures.add("the room holds " + stored.size() + " messages but " + postedIds.size() + " posts succeeded");
        }
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("requests", gets.sum() + posts.sum());
        totals.put("GET", gets.sum());
        totals.put("POST", posts.sum());
        totals.put("failed", failed.sum());
        totals.put("deferred (503 Retry-After, retried)", deferred.sum());
        totals.put("replayed posts", replayed.sum());
        totals.put("messages stored", stored.size());
        System.out.println("scale-check: " + totals);
        failures.stream().limit(20).forEach(f -> System.out.println("scale-check: FAILED " + f));
        return same;
    }
}
