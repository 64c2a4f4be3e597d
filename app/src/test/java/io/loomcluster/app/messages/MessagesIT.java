package io.loomcluster.app.messages;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class MessagesIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void concurrentPostsWithOneIdempotencyKeyOnTwoInstancesYieldOneMessage() throws Exception {
        Session onA = TestUsers.signUp(a, "idem");
        Session onB = onA.on(b);
        long room = onA.createRoom("idempotency").id();
        int rounds = 20;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < rounds; round++) {
                String key = "key-" + round;
                String body = Json.object("text", "once " + round);
                CountDownLatch start = new CountDownLatch(1);
                var first = pool.submit(() -> {
                    start.await();
                    return onA.post("/api/rooms/" + room + "/messages", body, "Idempotency-Key", key);
                });
                var second = pool.submit(() -> {
                    start.await();
                    return onB.post("/api/rooms/" + room + "/messages", body, "Idempotency-Key", key);
                });
                start.countDown();
                Reply r1 = first.get();
                Reply r2 = second.get();
                assertThat(r1.status()).isEqualTo(201);
                assertThat(r2.status()).isEqualTo(201);
                assertThat(r1.json().get("id").asLong()).isEqualTo(r2.json().get("id").asLong());
            }
        }

        List<JsonNode> all = readAll(onA, room, 100);
        assertThat(all).hasSize(rounds);
        assertThat(all.stream().map(m -> m.get("text").asText()).distinct()).hasSize(rounds);
    }

    @Test
    void aRetriedPostWithTheSameKeyReturnsTheFirstMessageAndSaysSo() {
        Session client = TestUsers.signUp(a, "retry");
        long room = client.createRoom("retries").id();

        Reply first = client.post("/api/rooms/" + room + "/messages", Json.object("text", "hello"), "Idempotency-Key", "abc");
        Reply again = client.on(b).post("/api/rooms/" + room + "/messages", Json.object("text", "hello"), "Idempotency-Key", "abc");

        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(readAll(client, room, 10)).hasSize(1);
    }

    @Test
    void theSameKeyFromAnotherUserIsIndependent() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        long room = alice.createRoom("shared keys").id();
        assertThat(bob.postEmpty("/api/rooms/" + room + "/members").status()).isEqualTo(204);

        long fromAlice = alice.post("/api/rooms/" + room + "/messages", Json.object("text", "a"), "Idempotency-Key", "same").json().get("id").asLong();
        long fromBob = bob.post("/api/rooms/" + room + "/messages", Json.object("text", "b"), "Idempotency-Key", "same").json().get("id").asLong();

        assertThat(fromBob).isNotEqualTo(fromAlice);
    }

    @Test
    void paginationReturnsEveryMessageExactlyOnceInOrder() {
        Session client = TestUsers.signUp(a, "pages");
        long room = client.createRoom("pagination").id();
        List<Long> posted = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            Session poster = i % 2 == 0 ? client : client.on(b);
            posted.add(poster.post("/api/rooms/" + room + "/messages", Json.object("text", "m" + i)).json().get("id").asLong());
        }

        List<JsonNode> read = readAll(client.on(b), room, 5);

        assertThat(read.stream().map(m -> m.get("id").asLong()).toList()).isEqualTo(posted);
        assertThat(read.stream().map(m -> m.get("text").asText()).toList())
                .containsExactly(posted.stream().map(id -> "m" + posted.indexOf(id)).toArray(String[]::new));
    }

    @Test
    void postingToARoomYouAreNotAMemberOfIsForbiddenAndChangesNothing() {
        Session owner = TestUsers.signUp(a, "owner");
        Session stranger = TestUsers.signUp(b, "stranger");
        long room = owner.createRoom("members only").id();

        Reply post = stranger.post("/api/rooms/" + room + "/messages", Json.object("text", "let me in"));
        Reply read = stranger.get("/api/rooms/" + room + "/messages");

        assertThat(post.status()).isEqualTo(403);
        assertThat(post.contentType()).startsWith("application/problem+json");
        assertThat(read.status()).isEqualTo(403);
        assertThat(readAll(owner, room, 10)).isEmpty();
    }

    @Test
    void postingToARoomYouLeftIsForbidden() {
        Session owner = TestUsers.signUp(a, "leaver");
        long room = owner.createRoom("leaving").id();
        assertThat(owner.on(b).delete("/api/rooms/" + room + "/members").status()).isEqualTo(204);

        assertThat(owner.post("/api/rooms/" + room + "/messages", Json.object("text", "still here?")).status()).isEqualTo(403);
    }

    @Test
    void aLongPollOnOneInstanceReceivesAMessagePostedOnTheOther() throws Exception {
        Session onA = TestUsers.signUp(a, "poller");
        long room = onA.createRoom("long poll").id();
        long lastSeen = 0;

        CompletableFuture<Reply> poll = CompletableFuture.supplyAsync(
                () -> onA.get("/api/rooms/" + room + "/messages?after=" + lastSeen + "&wait=25"),
                Executors.newVirtualThreadPerTaskExecutor());
        // The poll is parked only once the instance has seen it; wait for it to be in flight.
        io.loomcluster.testing.Await.until("the long-poll to be parked", java.time.Duration.ofSeconds(10),
                () -> TestUsers.metric(a, "loom_long_polls_waiting") > 0);
        Reply posted = onA.on(b).post("/api/rooms/" + room + "/messages", Json.object("text", "wake up"));

        Reply received = poll.get();
        assertThat(received.status()).isEqualTo(200);
        assertThat(received.json().get("items")).hasSize(1);
        assertThat(received.json().get("items").get(0).get("id").asLong()).isEqualTo(posted.json().get("id").asLong());
    }

    @Test
    void aLongPollWithNothingNewReturnsEmptyAtItsDeadline() {
        Session client = TestUsers.signUp(a, "quiet");
        long room = client.createRoom("quiet").id();

        Reply response = client.get("/api/rooms/" + room + "/messages?after=0&wait=1");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("items")).isEmpty();
    }

    static List<JsonNode> readAll(Session client, long room, int pageSize) {
        List<JsonNode> all = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long after = 0;
        while (true) {
            Reply page = client.get("/api/rooms/" + room + "/messages?after=" + after + "&limit=" + pageSize);
            assertThat(page.status()).isEqualTo(200);
            for (JsonNode item : page.json().get("items")) {
                assertThat(seen.add(item.get("id").asLong())).as("message seen twice").isTrue();
                all.add(item);
            }
            JsonNode next = page.json().get("next");
            if (next == null || next.isNull()) {
                return all;
            }
            after = next.asLong();
        }
    }
}
