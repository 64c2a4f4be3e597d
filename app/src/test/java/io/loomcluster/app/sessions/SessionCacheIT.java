package io.loomcluster.app.sessions;

import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each instance caches the sessions it reads and the memberships re-issued long-polls confirm;
 * these race the caches against what must end a session or an access everywhere at once: a logout
 * on another instance, a leave on another instance, an expiry. Every check warms the other
 * instance's caches first (two requests there).
 */
class SessionCacheIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void aLogoutOnOneInstanceRefusesTheVeryNextRequestOnAnotherThatCachedTheSession() {
        for (int round = 0; round < 8; round++) {
            Session user = TestUsers.signUp(a, "cachelogout");
            Session onB = user.on(b);
            assertThat(onB.get("/api/session").status()).isEqualTo(200);
            assertThat(onB.get("/api/session").status()).isEqualTo(200);
            String id = user.cookie().orElseThrow();

            assertThat(user.delete("/api/session").status()).isEqualTo(204);

            Session replay = TestUsers.at(b);
            replay.useCookie(id);
            assertThat(replay.get("/api/session").status()).as("round %d", round).isEqualTo(401);
        }
    }

    @Test
    void aLeaveOnOneInstanceRefusesTheVeryNextReadOnAnother() {
        Session owner = TestUsers.signUp(a, "cacheowner");
        long room = owner.createRoom("cache leave").id();
        owner.post(room, "something to read");
        Session member = TestUsers.signUp(b, "cachemember");
        member.join(room);
        // Plain reads and long-polls (answered at once: there is a message after 0), twice each.
        String read = "/api/rooms/" + room + "/messages?after=&limit=20";
        String poll = "/api/rooms/" + room + "/messages?after=0&wait=5";
        for (String path : new String[] {read, read, poll, poll}) {
            assertThat(member.get(path).status()).isEqualTo(200);
        }

        member.on(a).leave(room);

        assertThat(member.get(poll).status()).isEqualTo(403);
        assertThat(member.get(read).status()).isEqualTo(403);
    }

    @Test
    void anExpiredSessionIsRefusedByAnInstanceThatCachedIt() throws Exception {
        URI shortLived = TestCluster.baseUrl(cluster.startApp(Map.of("SESSION_IDLE_TIMEOUT", "2s")));
        Session user = TestUsers.signUp(shortLived, "cacheexpiry");
        assertThat(user.get("/api/session").status()).isEqualTo(200);
        assertThat(user.get("/api/session").status()).isEqualTo(200);
        String key = "loom:session:" + user.cookie().orElseThrow();

        try (RedisClient redis = RedisClient.create(cluster.services().redisUrl())) {
            Await.until("the session's key to expire in Redis", WAIT, () -> !redis.exists(key));
        }

        assertThat(user.get("/api/session").status()).isEqualTo(401);
    }
}
