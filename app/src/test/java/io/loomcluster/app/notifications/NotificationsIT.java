package io.loomcluster.app.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.Json;
import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class NotificationsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void aMentionNotifiesTheMemberOnceAndNeverANonMember() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        Session carol = TestUsers.signUp(b, "carol");
        long room = alice.createRoom("mentions").id();
        bob.join(room);

        long message = alice.post(room, "hi @" + bob.username() + " and @" + carol.username() + ", @" + bob.username()).id();

        Await.until("bob's notification", WAIT, () -> items(bob).size() == 1);
        JsonNode n = items(bob).get(0);
        assertThat(n.get("messageId").asLong()).isEqualTo(message);
        assertThat(n.get("roomId").asLong()).isEqualTo(room);
        assertThat(n.get("from").asText()).isEqualTo(alice.username());
        // One job made both decisions: once bob's exists, carol's would have too.
        assertThat(items(carol)).isEmpty();
        assertThat(items(alice)).isEmpty();
    }

    @Test
    void aMentionAddedByAnEditNotifiesOnceAndOneAlreadyNotifiedIsNotNotifiedAgain() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        Session carol = TestUsers.signUp(a, "carol");
        long room = alice.createRoom("edited mentions").id();
        bob.join(room);
        carol.join(room);
        long message = alice.post(room, "hello").id();

        alice.edit(room, message, "hello @" + bob.username());
        Await.until("bob's notification", WAIT, () -> items(bob).size() == 1);
        // bob stays mentioned, carol is added: once carol's notification exists, the second edit's job ran.
        alice.on(b).edit(room, message, "hello @" + bob.username() + " and @" + carol.username());
        Await.until("carol's notification", WAIT, () -> items(carol).size() == 1);

        assertThat(items(bob)).hasSize(1);
        assertThat(items(bob).get(0).get("messageId").asLong()).isEqualTo(message);
        assertThat(items(bob).get(0).get("text").asText()).isEqualTo("hello @" + bob.username() + " and @" + carol.username());
        assertThat(items(carol).get(0).get("messageId").asLong()).isEqualTo(message);
    }

    @Test
    void theUnreadCountFollowsTheReadMarkWhichNeverMovesBack() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(a, "bob");
        long room = alice.createRoom("unread").id();
        bob.join(room);
        alice.post(room, "@" + bob.username() + " one");
        alice.post(room, "@" + bob.username() + " two");
        Await.until("two notifications", WAIT, () -> items(bob).size() == 2);
        assertThat(bob.on(b).get("/api/session").json().get("unreadNotifications").asLong()).isEqualTo(2);

        long first = items(bob).get(0).get("id").asLong();
        var read = bob.post("/api/notifications/read", Json.object("upTo", first));
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("unread").asLong()).isEqualTo(1);
        bob.post("/api/notifications/read", Json.object("upTo", 0));
        assertThat(bob.get("/api/session").json().get("unreadNotifications").asLong()).isEqualTo(1);
    }

    @Test
    void pagesAreKeysetByIdAndBadInputIsA400() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(a, "bob");
        long room = alice.createRoom("pages").id();
        bob.join(room);
        for (int i = 0; i < 3; i++) {
            alice.post(room, "@" + bob.username() + " " + i);
        }
        Await.until("three notifications", WAIT, () -> items(bob).size() == 3);
        JsonNode page = bob.get("/api/notifications?limit=2").json();
        assertThat(page.get("items")).hasSize(2);
        JsonNode rest = bob.get("/api/notifications?limit=2&after=" + page.get("next").asLong()).json();
        assertThat(rest.get("items")).hasSize(1);
        assertThat(rest.get("next").isNull()).isTrue();

        assertThat(bob.get("/api/notifications?limit=0").status()).isEqualTo(400);
        assertThat(bob.post("/api/notifications/read", "{}").status()).isEqualTo(400);
        assertThat(TestUsers.at(a).get("/api/notifications").status()).isEqualTo(401);
    }

    @Test
    void graphqlReadsAndMarksTheSameNotifications() {
        Session alice = TestUsers.signUp(a, "alice");
        Session bob = TestUsers.signUp(b, "bob");
        long room = alice.createRoom("graphql").id();
        bob.join(room);
        long message = alice.post(room, "ping @" + bob.username()).id();
        Await.until("the notification", WAIT, () -> items(bob).size() == 1);

        JsonNode page = bob.graphql("{ notifications(limit: 10) { items { id messageId from text createdAt } next unread } }")
                .get("data").get("notifications");
        assertThat(page.get("items")).hasSize(1);
        assertThat(page.get("items").get(0).get("messageId").asLong()).isEqualTo(message);
        assertThat(page.get("items").get(0).get("from").asText()).isEqualTo(alice.username());
        assertThat(page.get("unread").asInt()).isEqualTo(1);
        String id = page.get("items").get(0).get("id").asText();
        JsonNode marked = bob.graphql("mutation { markNotificationsRead(upTo: \"" + id + "\") }");
        assertThat(marked.get("data").get("markNotificationsRead").asInt()).isZero();
        assertThat(alice.graphql("{ notifications { items { id } unread } }").get("data").get("notifications").get("items")).isEmpty();
    }

    private static JsonNode items(Session session) {
        return session.get("/api/notifications").json().get("items");
    }
}
