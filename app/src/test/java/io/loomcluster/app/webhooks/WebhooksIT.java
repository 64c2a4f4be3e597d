package io.loomcluster.app.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WebhooksIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Receiver receiver;
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @BeforeAll
    static void startReceiver() throws Exception {
        receiver = new Receiver();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @Test
    void aReceiverFailingThreeTimesGetsOneDeliveryAndTheLogShowsFourAttempts() {
        Session alice = TestUsers.signUp(a, "alice");
        long room = alice.createRoom("hooks").id();
        URI url = receiver.endpoint("/flaky", n -> n <= 3 ? 503 : 204);
        long webhook = register(alice, room, url).get("id").asLong();

        long message = alice.post(room, "hello hooks").id();

        Await.until("four attempts logged", WAIT, () -> deliveries(alice, room, webhook).size() == 4);
        JsonNode log = deliveries(alice, room, webhook);
        assertThat(List.of(log.get(0).get("status").asInt(), log.get(1).get("status").asInt(), log.get(2).get("status").asInt(),
                log.get(3).get("status").asInt())).containsExactly(503, 503, 503, 204);
        assertThat(log.get(3).get("succeeded").asBoolean()).isTrue();
        assertThat(log.get(3).get("attempt").asInt()).isEqualTo(4);
        List<Receiver.Request> got = receiver.at("/flaky");
        assertThat(got).hasSize(4);
        assertThat(got.stream().map(r -> r.headers().get("webhook-id")).distinct()).hasSize(1);
        assertThat(Json.tree(got.get(3).body()).get("data").get("id").asLong()).isEqualTo(message);
    }

    @Test
    void aFinal4xxIsNotRetriedAndA429IsRetriedAfterItsRetryAfter() {
        Session alice = TestUsers.signUp(a, "alice");
        long room = alice.createRoom("final").id();
        long gone = register(alice, room, receiver.endpoint("/gone", n -> 410)).get("id").asLong();
        long busy = register(alice, room, receiver.endpoint("/busy", n -> n == 1 ? 429 : 200)).get("id").asLong();

        alice.post(room, "once");

        Await.until("the 429 retried to success", WAIT, () -> deliveries(alice, room, busy).size() == 2);
        Await.until("the 410 logged", WAIT, () -> deliveries(alice, room, gone).size() == 1);
        assertThat(deliveries(alice, room, gone).get(0).get("status").asInt()).isEqualTo(410);
        assertThat(receiver.at("/gone")).hasSize(1);
    }

    @Test
    void onlyTheRoomsCreatorManagesWebhooksAndTheSecretIsShownOnce() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        long room = alice.createRoom("owned").id();
        bob.join(room);
        URI url = receiver.endpoint("/owned", n -> 200);

        assertThat(bob.post("/api/rooms/" + room + "/webhooks", Json.object("url", url.toString())).status()).isEqualTo(403);
        JsonNode created = register(alice, room, url);
        assertThat(created.get("secret").asText()).startsWith("whsec_");
        JsonNode listed = alice.on(b).get("/api/rooms/" + room + "/webhooks").json().get("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).has("secret")).isFalse();
        assertThat(bob.get("/api/rooms/" + room + "/webhooks").status()).isEqualTo(403);
        long id = created.get("id").asLong();
        assertThat(bob.delete("/api/rooms/" + room + "/webhooks/" + id).status()).isEqualTo(403);
        assertThat(alice.delete("/api/rooms/" + room + "/webhooks/" + id).status()).isEqualTo(204);
        assertThat(alice.get("/api/rooms/" + room + "/webhooks").json().get("items")).isEmpty();
        assertThat(alice.delete("/api/rooms/" + room + "/webhooks/" + id).status()).isEqualTo(404);
    }

    @Test
    void urlsThatReachInternalAddressesAreRefused() {
        Session alice = TestUsers.signUp(a, "alice");
        long room = alice.createRoom("ssrf").id();
        for (String url : List.of("http://localhost:9/", "http://127.0.0.2/", "http://10.1.2.3/", "http://169.254.169.254/latest",
                "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://192.168.1.1/", "http://100.64.0.1/", "http://0.0.0.0/")) {
            Reply reply = alice.post("/api/rooms/" + room + "/webhooks", Json.object("url", url));
            assertThat(reply.status()).as(url).isEqualTo(422);
            assertThat(reply.problem().orElseThrow().detail()).as(url).contains("refused: internal address")
                    .doesNotContain("127.0.0").doesNotContain("::1").doesNotContain("10.1.2.3");
        }
        for (String url : List.of("ftp://example.com/", "not a url", "http:///nohost", "http://user:pw@127.0.0.1/")) {
            assertThat(alice.post("/api/rooms/" + room + "/webhooks", Json.object("url", url)).status()).as(url).isEqualTo(400);
        }
        assertThat(alice.get("/api/rooms/" + room + "/webhooks").json().get("items")).isEmpty();
    }

    @Test
    void theDeliveryLogSaysConnectionFailedWithoutNamingAddressOrPort() {
        Session alice = TestUsers.signUp(a, "alice");
        long room = alice.createRoom("closed port").id();
        int closed = io.loomcluster.testing.FreePorts.pick();
        long webhook = register(alice, room, URI.create("http://127.0.0.1:" + closed + "/nobody")).get("id").asLong();

        alice.post(room, "into the void");

        Await.until("a failed attempt logged", WAIT, () -> !deliveries(alice, room, webhook).isEmpty());
        assertThat(deliveries(alice, room, webhook).get(0).get("error").asText()).isEqualTo("connection failed");
    }

    @Test
    void aRoomsWebhooksAreDisabledWhenTheirCreatorLeavesAndPostsAfterwardsSendNothing() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        long room = alice.createRoom("left behind").id();
        bob.join(room);
        long webhook = register(alice, room, receiver.endpoint("/left", n -> 204)).get("id").asLong();

        assertThat(alice.delete("/api/rooms/" + room + "/members").status()).isEqualTo(204);

        // Disabled in the leave's own transaction, so a post after it enqueues no delivery.
        JsonNode listed = alice.get("/api/rooms/" + room + "/webhooks").json().get("items").get(0);
        assertThat(listed.get("id").asLong()).isEqualTo(webhook);
        assertThat(listed.get("disabledAt").isNull()).isFalse();
        assertThat(listed.get("disabledReason").asText()).isEqualTo("its creator left the room");
    }

    @Test
    void theSignatureVerifiesWithTheStandardWebhooksReferenceLibrary() throws Exception {
        Session alice = TestUsers.signUp(a, "alice");
        long room = alice.createRoom("signed").id();
        JsonNode created = register(alice, room, receiver.endpoint("/signed", n -> 200));
        alice.post(room, "sign me: ünïcode ✓");
        Await.until("a delivery", WAIT, () -> !receiver.at("/signed").isEmpty());
        Receiver.Request request = receiver.at("/signed").get(0);

        String secret = created.get("secret").asText();
        assertThat(ReferenceVerifier.verify(secret, request.headers(), request.body())).isTrue();
        String tampered = request.body().replace("sign me", "sign ME");
        assertThat(ReferenceVerifier.verify(secret, request.headers(), tampered)).isFalse();
    }

    @Test
    void editsAndDeletesGoOutAsMessageUpdatedAndMessageDeletedUnderTheSameSignature() throws Exception {
        Session alice = TestUsers.signUp(a, "alice");
        long room = alice.createRoom("changes").id();
        JsonNode created = register(alice, room, receiver.endpoint("/changes", n -> 204));
        long message = alice.post(room, "draft").id();
        alice.on(b).edit(room, message, "final");
        alice.deleteMessage(room, message);

        Await.until("three deliveries", WAIT, () -> receiver.at("/changes").size() == 3);
        List<Receiver.Request> got = receiver.at("/changes");
        List<String> types = got.stream().map(r -> Json.tree(r.body()).get("type").asText()).sorted().toList();
        assertThat(types).containsExactly("message.created", "message.deleted", "message.updated");
        assertThat(got.stream().map(r -> r.headers().get("webhook-id")).distinct()).hasSize(3);
        for (Receiver.Request request : got) {
            assertThat(ReferenceVerifier.verify(created.get("secret").asText(), request.headers(), request.body())).isTrue();
            JsonNode data = Json.tree(request.body()).get("data");
            assertThat(data.get("id").asLong()).isEqualTo(message);
        }
        JsonNode deleted = got.stream().map(r -> Json.tree(r.body())).filter(e -> e.get("type").asText().equals("message.deleted"))
                .findFirst().orElseThrow().get("data");
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        assertThat(deleted.get("text").asText()).isEmpty();
    }

    private static JsonNode register(Session owner, long room, URI url) {
        Reply reply = owner.post("/api/rooms/" + room + "/webhooks", Json.object("url", url.toString()));
        assertThat(reply.status()).as(reply.describe()).isEqualTo(201);
        return reply.json();
    }

    private static JsonNode deliveries(Session owner, long room, long webhook) {
        return owner.get("/api/rooms/" + room + "/webhooks/" + webhook + "/deliveries").json().get("items");
    }
}
