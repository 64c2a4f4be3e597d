package io.loomcluster.chaos;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The background-jobs scenario: posts that mention members, a signed webhook on every room, two
 * separate worker processes; kill -9 of a worker and then of an API instance (each restarted)
 * under the steady load; then an audit of PostgreSQL and of what the receiver verified: every
 * committed message has exactly one notification per mentioned member and exactly one delivery
 * per webhook (by {@code webhook-id}), none lost.
 */
final class JobsFault implements Fault {
    static final Map<String, String> JOB_ENV = Map.of("JOB_VISIBILITY_TIMEOUT", "5s", "WEBHOOK_TIMEOUT", "2s",
            "SHUTDOWN_DRAIN_DELAY", "0s");
    private static final Duration SETTLE = Duration.ofMinutes(3);

    private final int mentions;
    private final long settleRequests;
    private WebhookReceiver receiver;
    private final Map<Long, Long> webhookByRoom = new HashMap<>();
    private final List<ManagedProcess> workers = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    private final Fault injection;

    JobsFault(int mentions, long settleRequests) {
        this(mentions, settleRequests, null);
    }

    /** With another fault than kill -9 of a worker and an instance (a Redis fail-over, say), audited the same way. */
    JobsFault(int mentions, long settleRequests, Fault injection) {
        this.mentions = mentions;
        this.settleRequests = settleRequests;
        this.injection = injection;
    }

    List<String> violations() {
        return violations;
    }

    @Override
    public void beforeLoad(ChaosCluster cluster, Workload load) {
        try {
            receiver = new WebhookReceiver();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the webhook receiver", e);
        }
        Map<String, String> env = new HashMap<>(JOB_ENV);
        env.put("ROLE", "worker");
        workers.addAll(cluster.cluster().startApps(2, env));
        ApiUser owner = load.writer(0);
        for (long room : load.rooms()) {
            String name = "room-" + room;
            Reply reply = owner.session().post("/api/rooms/" + room + "/webhooks",
                    Json.object("url", receiver.endpoint(name).toString()));
            if (reply.status() != 201) {
                throw new IllegalStateException("registering a webhook failed: " + reply.status() + " " + reply.body());
            }
            receiver.secret(name, reply.json().get("secret").asText());
            webhookByRoom.put(room, reply.json().get("id").asLong());
        }
    }

    @Override
    public void inject(ChaosCluster cluster, Workload load, List<String> notes) {
        if (injection != null) {
            injection.inject(cluster, load, notes);
            return;
        }
        ManagedProcess worker = workers.getFirst();
        worker.kill();
        Scenarios.awaitProgress(load, settleRequests);
        long start = System.nanoTime();
        worker.start().awaitReady(ChaosCluster.START_TIMEOUT);
        notes.add("worker killed (-9), its restart took " + Scenarios.millisSince(start) + " ms");

        Scenarios.awaitProgress(load, settleRequests);
        ManagedProcess app = cluster.apps().getFirst();
        app.kill();
        Scenarios.awaitProgress(load, settleRequests);
        start = System.nanoTime();
        app.start().awaitReady(ChaosCluster.START_TIMEOUT);
        cluster.awaitAvailable(cluster.apps().size());
        notes.add("API instance killed (-9), its restart took " + Scenarios.millisSince(start) + " ms");
    }

    @Override
    public void afterLoad(ChaosCluster cluster, Workload load, Tally tally, List<String> notes) {
        long start = System.nanoTime();
        try {
            Await.until("every job of every committed message done", SETTLE, () -> audit(cluster, load).complete());
        } catch (AssertionError e) {
            // reported by the audit below
        }
        Audit audit = audit(cluster, load);
        long redelivered = receiver.deliveries().values().stream().mapToLong(n -> n.get() - 1).sum();
        notes.add("jobs settled " + Scenarios.millisSince(start) + " ms after the load; " + audit.messages()
                + " committed messages: " + audit.notifications() + " notifications (" + audit.messages() * mentions
                + " expected), " + audit.badNotificationCounts() + " messages with another count; webhooks: "
                + audit.delivered() + " delivered by webhook-id, " + audit.undelivered() + " missing, " + audit.loggedSuccesses()
                + " logged successes, " + redelivered + " redelivered (deduplicated), " + receiver.invalid()
                + " bad signatures, " + receiver.arrivals() + " requests");
        if (audit.badNotificationCounts() > 0) {
            violations.add(audit.badNotificationCounts() + " messages without exactly one notification per mention");
        }
        if (audit.undelivered() > 0 || audit.unknownDeliveries() > 0) {
            violations.add(audit.undelivered() + " webhook deliveries missing, " + audit.unknownDeliveries() + " for unknown messages");
        }
        if (audit.loggedSuccesses() != audit.messages()) {
            violations.add(audit.loggedSuccesses() + " successful deliveries logged for " + audit.messages() + " messages");
        }
        if (receiver.invalid() > 0) {
            violations.add(receiver.invalid() + " deliveries with a bad signature");
        }
        notes.addAll(violations.stream().map(v -> "VIOLATION: " + v).toList());
    }

    // The workers stop with the scenario: a cluster shared by several scenarios keeps its shape.
    @Override
    public void cleanUp() {
        workers.forEach(ManagedProcess::close);
        if (receiver != null) {
            receiver.close();
        }
    }

    /** PostgreSQL's and the receiver's view of the jobs of the run's committed messages. */
    record Audit(long messages, long notifications, long badNotificationCounts, long delivered, long undelivered,
                 long unknownDeliveries, long loggedSuccesses) {
        boolean complete() {
            return badNotificationCounts == 0 && undelivered == 0 && loggedSuccesses == messages;
        }
    }

    private Audit audit(ChaosCluster cluster, Workload load) {
        // Per committed message: notifications in all, those for users it names, and its logged webhook success.
        String query = """
                select m.id, m.room_id,
                  (select count(*) from notifications n where n.message_id = m.id),
                  (select count(*) from notifications n join users u on u.id = n.user_id
                     where n.message_id = m.id and position('@' || u.username in m.text) > 0),
                  (select count(*) from webhook_deliveries d where d.message_id = m.id and d.succeeded)
                from messages m where m.text like ?""";
        long messages = 0;
        long notifications = 0;
        long bad = 0;
        long delivered = 0;
        long undelivered = 0;
        long logged = 0;
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(), "postgres", "");
             PreparedStatement q = c.prepareStatement(query)) {
            q.setString(1, load.textPrefix().replace("%", "\\%").replace("_", "\\_") + "%");
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    messages++;
                    notifications += rs.getLong(3);
                    if (rs.getLong(3) != mentions || rs.getLong(4) != mentions) {
                        bad++;
                    }
                    logged += rs.getLong(5);
                    String id = "webhook:" + webhookByRoom.get(rs.getLong(2)) + ":" + rs.getLong(1);
                    if (receiver.deliveries().containsKey(id)) {
                        delivered++;
                    } else {
                        undelivered++;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not audit the jobs in PostgreSQL: " + e.getMessage(), e);
        }
        long unknown = receiver.deliveries().size() - delivered;
        return new Audit(messages, notifications, bad, delivered, undelivered, unknown, logged);
    }
}
