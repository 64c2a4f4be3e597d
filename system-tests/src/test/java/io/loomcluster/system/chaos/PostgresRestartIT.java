package io.loomcluster.system.chaos;

import io.loomcluster.chaos.*;

import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import io.loomcluster.client.LoomClient;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.RetryPolicy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** PostgreSQL stopped and started again under load: fast 503s meanwhile, recovery without restarting anything. */
class PostgresRestartIT {
    private static final LoomClient CLIENT = LoomClient.builder(URI.create("http://127.0.0.1"))
            .connectTimeout(Duration.ofSeconds(2)).timeout(Duration.ofSeconds(10)).retry(RetryPolicy.NONE).build();

    @Test
    void postgresOutageGivesProblem503sAndThePoolsRecoverWithoutRestartingInstances() {
        Scenarios scenarios = new Scenarios(ChaosCluster.Spec.fromSystemProperties(Path.of("target", "it-logs", "postgres"), 3),
                Workload.Shape.standard(), new Scenarios.Pacing(60, 250, Duration.ZERO));
        AtomicReference<Reply> readinessDuringOutage = new AtomicReference<>();
        AtomicReference<Reply> apiDuringOutage = new AtomicReference<>();
        AtomicReference<Map<String, Long>> pidsBefore = new AtomicReference<>();
        AtomicReference<Map<String, Long>> pidsAfter = new AtomicReference<>();

        Outcome outcome = scenarios.run("postgres restart", scenarios.spec(), (cluster, load, notes) -> {
            pidsBefore.set(pids(cluster.apps()));
            ManagedProcess app = cluster.apps().getFirst();
            String session = Scenarios.probe(cluster, load).session().cookie().orElseThrow();
            URI read = cluster.url().resolve("/api/rooms/" + load.rooms().getFirst() + "/messages?after=0");

            cluster.cluster().services().stopPostgres();
            Await.until("readiness to report PostgreSQL down", Duration.ofSeconds(30), () -> {
                readinessDuringOutage.set(get(TestCluster.baseUrl(app).resolve("/health/ready"), null));
                return readinessDuringOutage.get().status() == 503;
            });
            Await.until("an API read to be refused with 503", Duration.ofSeconds(30), () -> {
                apiDuringOutage.set(get(read, session));
                return apiDuringOutage.get().status() == 503;
            });
            Await.until("clients to retry", Duration.ofSeconds(60), () -> load.tally().retriedAnswers() >= 20);
            cluster.cluster().services().startPostgres();
            Await.until("reads to succeed again", Duration.ofSeconds(60), () -> get(read, session).status() == 200);
            pidsAfter.set(pids(cluster.apps()));
        });

        assertThat(readinessDuringOutage.get().body()).containsIgnoringCase("postgres");
        assertThat(apiDuringOutage.get().contentType()).isEqualTo("application/problem+json");
        assertThat(apiDuringOutage.get().header("Retry-After")).isNotNull();
        assertThat(outcome.tally().retriedAnswers()).isGreaterThanOrEqualTo(20);
        assertThat(outcome.tally().failures()).as("requests that failed for good").isEmpty();
        assertThat(pidsAfter.get()).as("no instance was restarted").isEqualTo(pidsBefore.get());
        assertThat(outcome.audit().lost()).isZero();
        assertThat(outcome.audit().duplicated()).isZero();
        assertThat(outcome.audit().stored()).isEqualTo(outcome.audit().acknowledged());
    }

    private static Map<String, Long> pids(List<ManagedProcess> apps) {
        return apps.stream().filter(ManagedProcess::isAlive)
                .collect(Collectors.toMap(ManagedProcess::name, ManagedProcess::pid));
    }

    private static Reply get(URI uri, String session) {
        Request request = Request.get(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        if (session != null) {
            request.header("Cookie", "SESSION=" + session);
        }
        return CLIENT.at(URI.create(uri.getScheme() + "://" + uri.getRawAuthority())).send(request);
    }
}
