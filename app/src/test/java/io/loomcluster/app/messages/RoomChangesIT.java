package io.loomcluster.app.messages;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.EventStream;
import io.loomcluster.client.Json;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Message;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.client.SseEvent;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-room change log: edits and deletes with their rules, live and on resume, on every transport, under concurrency. */
class RoomChangesIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void theAuthorEditsWithinTheWindowTheRoomsCreatorOrAuthorDeletesAndRepeatsChangeNothing() throws Exception {
        Session owner = TestUsers.signUp(a, "owner");
        Session author = TestUsers.signUp(b, "author");
        Session other = TestUsers.signUp(a, "other");
        long room = owner.createRoom("edits").id();
        author.join(room);
        other.join(room);
        Message message = author.post(room, "first draft");

        Message edited = author.on(a).edit(room, message.id(), "second draft");
        assertThat(edited.text()).isEqualTo("second draft");
        assertThat(edited.editedAt()).isNotNull();
        assertThat(author.edit(room, message.id(), "second draft").editedAt()).isEqualTo(edited.editedAt());
        assertProblem(other.patch(path(room, message.id()), Json.object("text", "mine now")), 403, "/problems/forbidden");
        assertProblem(owner.patch(path(room, message.id()), Json.object("text", "creator edit")), 403, "/problems/forbidden");
        assertProblem(author.patch(path(room, message.id()), Json.object("text", " ")), 400, "/problems/invalid-request");
        assertProblem(author.patch(path(room, 999_999_999), Json.object("text", "x")), 404, "/problems/not-found");
        assertProblem(other.delete(path(room, message.id())), 403, "/problems/forbidden");

        Message late = author.post(room, "posted an hour ago");
        backdate(late.id());
        assertProblem(author.patch(path(room, late.id()), Json.object("text", "too late")), 409, "/problems/edit-window-closed");

        Message tombstone = owner.deleteMessage(room, message.id());
        assertThat(tombstone.deleted()).isTrue();
        assertThat(tombstone.text()).isEmpty();
        assertThat(tombstone.id()).isEqualTo(message.id());
        assertThat(author.on(a).deleteMessage(room, message.id()).deleted()).isTrue();
        assertProblem(author.patch(path(room, message.id()), Json.object("text", "back")), 409, "/problems/message-deleted");
        assertThat(author.deleteMessage(room, late.id()).deleted()).isTrue();

        // One entry per change that happened: the repeats added none.
        List<String> log = changes(owner, room, 0).stream().map(c -> c.get("type").asText() + ":" + c.get("message").get("id").asLong())
                .toList();
        assertThat(log).containsExactly("message:" + message.id(), "message.updated:" + message.id(), "message:" + late.id(),
                "message.deleted:" + message.id(), "message.deleted:" + late.id());
        // The message list shows the current state: tombstones keep their ids.
        JsonNode items = owner.get("/api/rooms/" + room + "/messages").json().get("items");
        assertThat(items.get(0).get("deleted").asBoolean()).isTrue();
        assertThat(items.get(0).get("text").asText()).isEmpty();
    }

    @Test
    void aClientResumingAfterItsLastPositionGetsTheEditsAndDeletesItMissedInOrder() throws Exception {
        Session user = TestUsers.signUp(a, "resumer");
        long room = user.createRoom("resume").id();
        List<Message> posted = new ArrayList<>();
        String last;
        try (EventStream stream = user.on(b).events(room, null)) {
            for (int i = 0; i < 3; i++) {
                posted.add(user.post(room, "message " + i));
            }
            SseEvent event = null;
            for (int i = 0; i < 3; i++) {
                event = stream.next(WAIT);
                assertThat(event.event()).isEqualTo("message");
            }
            last = event.id();
        }
        // Offline: one message edited, another deleted, a new one posted.
        user.edit(room, posted.get(0).id(), "message 0, edited");
        user.on(b).deleteMessage(room, posted.get(1).id());
        Message fresh = user.post(room, "message 3");

        try (EventStream stream = user.on(a).events(room, last)) {
            SseEvent updated = stream.next(WAIT);
            SseEvent deleted = stream.next(WAIT);
            SseEvent created = stream.next(WAIT);
            assertThat(List.of(updated.event(), deleted.event(), created.event()))
                    .containsExactly("message.updated", "message.deleted", "message");
            assertThat(Json.tree(updated.data()).get("text").asText()).isEqualTo("message 0, edited");
            assertThat(Json.tree(deleted.data()).get("id").asLong()).isEqualTo(posted.get(1).id());
            assertThat(Long.parseLong(created.id())).isEqualTo(fresh.id());
            assertThat(Long.parseLong(updated.id())).isGreaterThan(Long.parseLong(last));
            assertThat(Long.parseLong(deleted.id())).isGreaterThan(Long.parseLong(updated.id()));
            assertThat(Long.parseLong(created.id())).isGreaterThan(Long.parseLong(deleted.id()));
        }
        // The WebSocket resumes the same way, from the same position.
        LiveSocket socket = user.on(b).webSocket("/api/rooms/" + room + "/ws?after=" + last, true);
        JsonNode frame = Json.tree(socket.next(WAIT));
        assertThat(frame.get("type").asText()).isEqualTo("message.updated");
        assertThat(frame.get("position").asLong()).isGreaterThan(Long.parseLong(last));
        assertThat(frame.get("id").asLong()).isEqualTo(posted.get(0).id());
        assertThat(Json.tree(socket.next(WAIT)).get("type").asText()).isEqualTo("message.deleted");
        assertThat(Json.tree(socket.next(WAIT)).get("id").asLong()).isEqualTo(fresh.id());
        socket.close();
    }

    @Test
    void aLongPollForMessagesIsNotAnsweredByAnEditButOneForChangesIs() throws Exception {
        Session user = TestUsers.signUp(a, "poller");
        long room = user.createRoom("polls").id();
        Message first = user.post(room, "first");
        CompletableFuture<Reply> messages = CompletableFuture.supplyAsync(
                () -> user.on(b).get("/api/rooms/" + room + "/messages?after=" + first.id() + "&wait=20"));
        CompletableFuture<Reply> changes = CompletableFuture.supplyAsync(
                () -> user.on(b).get("/api/rooms/" + room + "/changes?after=" + first.id() + "&wait=20"));
        Await.until("both polls to be parked", WAIT, () -> TestUsers.metric(b, "loom_long_polls_waiting") >= 2);

        user.edit(room, first.id(), "first, edited");
        JsonNode changed = changes.get().json().get("items");
        assertThat(changed).hasSize(1);
        assertThat(changed.get(0).get("type").asText()).isEqualTo("message.updated");
        assertThat(messages).isNotDone();

        Message second = user.post(room, "second");
        JsonNode items = messages.get().json().get("items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).get("id").asLong()).isEqualTo(second.id());
    }

    @Test
    void concurrentWritersOnTwoInstancesProduceOneSequenceThatLiveAndResumingReadersSeeWithoutGapsOrRepeats() throws Exception {
        Session owner = TestUsers.signUp(a, "sequencer");
        long room = owner.createRoom("race").id();
        int writers = 4;
        int perWriter = 20;
        List<Session> sessions = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            Session writer = TestUsers.signUp(w % 2 == 0 ? a : b, "writer" + w);
            writer.join(room);
            sessions.add(writer);
        }
        int expected = writers * perWriter * 2;
        try (EventStream live = owner.on(b).events(room, "0");
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (Session writer : sessions) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        Message m = writer.post(room, "m" + i);
                        writer.on(i % 2 == 0 ? a : b).edit(room, m.id(), "m" + i + " edited");
                    }
                    return null;
                }));
            }
            // A reader resuming page by page (long-polling), alternating instances, while the writers write.
            List<Long> resumed = new ArrayList<>();
            long after = 0;
            for (int page = 0; resumed.size() < expected; page++) {
                Reply reply = owner.on(page % 2 == 0 ? a : b).get("/api/rooms/" + room + "/changes?after=" + after + "&wait=10");
                assertThat(reply.status()).as(reply.describe()).isEqualTo(200);
                for (JsonNode change : reply.json().get("items")) {
                    resumed.add(change.get("position").asLong());
                    after = change.get("position").asLong();
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
            List<Long> streamed = new ArrayList<>();
            while (streamed.size() < expected) {
                streamed.add(Long.parseLong(live.next(WAIT).id()));
            }
            List<Long> all = changes(owner, room, 0, expected + 10).stream().map(c -> c.get("position").asLong()).toList();
            assertThat(all).hasSize(expected).isSorted().doesNotHaveDuplicates();
            assertThat(resumed).isEqualTo(all);
            assertThat(streamed).isEqualTo(all);
        }
    }

    private static List<JsonNode> changes(Session reader, long room, long after) {
        return changes(reader, room, after, 100);
    }

    private static List<JsonNode> changes(Session reader, long room, long after, int max) {
        List<JsonNode> all = new ArrayList<>();
        while (all.size() < max) {
            Reply reply = reader.get("/api/rooms/" + room + "/changes?after=" + after + "&limit=100");
            assertThat(reply.status()).as(reply.describe()).isEqualTo(200);
            JsonNode items = reply.json().get("items");
            items.forEach(all::add);
            if (reply.json().get("next").isNull()) {
                return all;
            }
            after = reply.json().get("next").asLong();
        }
        return all;
    }

    private static String path(long room, long message) {
        return "/api/rooms/" + room + "/messages/" + message;
    }

    private static void assertProblem(Reply reply, int status, String type) {
        assertThat(reply.status()).as(reply.describe()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(reply.json().get("type").asText()).isEqualTo(type);
    }

    private void backdate(long messageId) throws Exception {
        try (Connection db = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "");
             PreparedStatement update = db.prepareStatement("update messages set created_at = now() - interval '1 hour' where id = ?")) {
            update.setLong(1, messageId);
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }
}
