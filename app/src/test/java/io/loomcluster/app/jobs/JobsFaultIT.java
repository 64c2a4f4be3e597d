package io.loomcluster.app.jobs;

import io.loomcluster.app.webhooks.Receiver;
import io.loomcluster.client.Json;
import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue under faults, with real processes: an API instance and separate workers on a cluster of
 * their own (so that killing them does not disturb other tests).
 */
class JobsFaultIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> FAST = Map.of("JOB_VISIBILITY_TIMEOUT", "3s", "WEBHOOK_TIMEOUT", "2s",
            "WEBHOOK_PER_ENDPOINT", "10", "SHUTDOWN_DRAIN_DELAY", "0s");
    private static TestCluster cluster;
    private static Receiver receiver;
    private final List<ManagedProcess> started = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(Path.of(System.getProperty("loom.app.jar")), Path.of("target", "it-logs", "jobs-faults"));
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        cluster.close();
    }

    @AfterEach
    void stopProcesses() {
        started.forEach(ManagedProcess::close);
    }

    private ManagedProcess app(String role, Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(FAST);
        env.put("ROLE", role);
        env.putAll(extra);
        ManagedProcess p = cluster.startApp(env);
        started.add(p);
        return p;
    }

    @Test
    void aWorkerKilledInTheMiddleOfJobsLeavesEveryEffectExactlyOnce() throws Exception {
        URI api = TestCluster.baseUrl(app("api", Map.of()));
        ManagedProcess doomed = app("worker", Map.of());
        app("worker", Map.of());
        Session alice = TestUsers.signUp(api, "alice");
        Session bob = TestUsers.signUp(api, "bob");
        long room = alice.createRoom("kill -9").id();
        bob.join(room);
        CountDownLatch gate = new CountDownLatch(1);
        URI url = receiver.endpoint("/held-" + room, n -> {
            try {
                return gate.await(30, TimeUnit.SECONDS) ? 200 : 503;
            } catch (InterruptedException e) {
                return 503;
            }
        });
        assertThat(alice.post("/api/rooms/" + room + "/webhooks", Json.object("url", url.toString())).status()).isEqualTo(201);
        int messages = 100;
        for (int i = 0; i < messages; i++) {
            alice.post(room, "@" + bob.username() + " number " + i);
        }

        // Each worker holds at most WEBHOOK_PER_ENDPOINT deliveries to one receiver: 20 held means both are busy.
        Await.until("both workers holding deliveries", WAIT, () -> receiver.arrivals.get() >= 20);
        doomed.kill();
        gate.countDown();

        Await.until("every message delivered", WAIT, () -> count("""
                select count(*) from webhook_deliveries d join messages m on m.id = d.message_id
                where m.room_id = ? and d.succeeded""", room) == messages);
        Await.until("every notification", WAIT, () -> count("select count(*) from notifications where room_id = ?", room) == messages);
        assertThat(count("select count(distinct message_id) from notifications where room_id = ? and user_id = " + bob.userId(), room))
                .isEqualTo(messages);
        assertThat(receiver.at("/held-" + room).stream().filter(r -> r.status() == 200)
                .map(r -> r.headers().get("webhook-id")).distinct().count()).isEqualTo(messages);
    }

    @Test
    void anInstanceKilledBetweenCommitAndRelayLosesNoJob() throws Exception {
        // This API instance never relays: its posts stay in the outbox, as if it died right after commit.
        ManagedProcess lazy = app("api", Map.of("OUTBOX_RELAY", "false"));
        Session alice = TestUsers.signUp(TestCluster.baseUrl(lazy), "alice");
        Session bob = TestUsers.signUp(TestCluster.baseUrl(lazy), "bob");
        long room = alice.createRoom("outbox").id();
        bob.join(room);
        for (int i = 0; i < 10; i++) {
            alice.post(room, "@" + bob.username() + " " + i);
        }
        assertThat(count("select count(*) from job_outbox where job_id like 'mention:%'", null)).isGreaterThanOrEqualTo(10);
        lazy.kill();

        app("worker", Map.of("OUTBOX_POLL_INTERVAL", "100ms"));
        Await.until("the other instance relayed and ran them", WAIT,
                () -> count("select count(*) from notifications where room_id = ?", room) == 10);
    }

    @Test
    void aRedisRestartLosesNoQueuedJob() throws Exception {
        ManagedProcess apiProcess = app("api", Map.of());
        Session alice = TestUsers.signUp(TestCluster.baseUrl(apiProcess), "alice");
        Session bob = TestUsers.signUp(TestCluster.baseUrl(apiProcess), "bob");
        long room = alice.createRoom("restart").id();
        bob.join(room);
        // No worker runs yet: the jobs wait in the stream.
        for (int i = 0; i < 20; i++) {
            alice.post(room, "@" + bob.username() + " " + i);
        }
        Await.until("relayed to the stream", WAIT, () -> count("select count(*) from job_outbox", null) == 0);

        cluster.services().stopRedis();
        cluster.services().startRedis();

        app("worker", Map.of());
        Await.until("every job ran after the restart", WAIT,
                () -> count("select count(*) from notifications where room_id = ?", room) == 20);
        // The API instance came back too: posting still works. The restart lost the session (401):
        // log in again then, and only then (a login per failed poll ran into the login limit, 429).
        Await.until("posting after the restart", WAIT, () -> {
            int status = bob.on(TestCluster.baseUrl(apiProcess)).post("/api/rooms/" + room + "/messages",
                    Json.object("text", "after")).status();
            if (status == 401) {
                bob.on(TestCluster.baseUrl(apiProcess)).login(bob.username(), TestUsers.PASSWORD);
            }
            return status == 201;
        });
    }

    private static long count(String sql, Long param) {
        try (Connection c = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "");
             var ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setLong(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
