package io.loomcluster.app.sessions;

import io.loomcluster.client.EventStream;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.client.SseEvent;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Logging out every session of a user, and the absolute lifetime of a session. */
class SessionLifetimeIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void loggingOutEverywhereEndsEverySessionOfTheUserAndTheirStreamsButNoOneElses() throws Exception {
        Session first = TestUsers.signUp(a, "everywhere");
        Session second = TestUsers.at(b);
        second.logIn(first.username(), TestUsers.PASSWORD);
        Session someoneElse = TestUsers.signUp(a, "bystander");
        long room = first.createRoom("log out everywhere").id();

        try (EventStream stream = first.events(room, null)) {
            assertThat(stream.status()).isEqualTo(200);

            Reply out = second.delete("/api/session?scope=all");

            assertThat(out.status()).isEqualTo(204);
            SseEvent close = stream.next(WAIT);
            assertThat(close.event()).isEqualTo("close");
            assertThat(close.data()).contains("logged out");
        }
        assertThat(first.get("/api/session").status()).isEqualTo(401);
        assertThat(first.on(b).get("/api/session").status()).isEqualTo(401);
        assertThat(second.get("/api/session").status()).isEqualTo(401);
        assertThat(someoneElse.on(b).get("/api/session").status()).isEqualTo(200);
    }

    @Test
    void anUnknownLogoutScopeIsRefusedAndLogsNothingOut() {
        Session user = TestUsers.signUp(a, "badscope");

        Reply refused = user.delete("/api/session?scope=galaxy");

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(user.get("/api/session").status()).isEqualTo(200);
    }

    @Test
    void aSessionEndsAtItsAbsoluteTimeoutEvenWhileItIsInUse() {
        ManagedProcess instance = cluster.startApp(Map.of("SESSION_ABSOLUTE_TIMEOUT", "3s"));
        try {
            Session user = TestUsers.signUp(TestCluster.baseUrl(instance), "absolute");
            assertThat(user.get("/api/session").status()).isEqualTo(200);

            // Every request extends the idle timeout (30 minutes): only the absolute one can end it.
            Await.until("the session to end while in use", WAIT, () -> user.get("/api/session").status() == 401);

            assertThat(user.on(a).get("/api/session").status()).isEqualTo(401);
        } finally {
            instance.close();
        }
    }
}
