package io.loomcluster.app.rooms;

import com.fasterxml.jackson.databind.JsonNode;
import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RoomsIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void creatingARoomMakesTheCreatorAMember() {
        Session creator = TestUsers.signUp(a, "creator");

        Reply created = creator.post("/api/rooms", Json.object("name", "lobby", "topic", "say hi"));

        assertThat(created.status()).isEqualTo(201);
        JsonNode room = created.json();
        assertThat(room.get("name").asText()).isEqualTo("lobby");
        assertThat(room.get("topic").asText()).isEqualTo("say hi");
        assertThat(room.get("createdBy").asLong()).isEqualTo(creator.userId());
        assertThat(room.get("memberCount").asInt()).isEqualTo(1);
        assertThat(creator.post("/api/rooms/" + room.get("id").asLong() + "/messages", Json.object("text", "first")).status()).isEqualTo(201);
    }

    @Test
    void aJoinOnOneInstanceIsNeverServedStaleByTheOther() {
        Session owner = TestUsers.signUp(a, "cached");
        long room = owner.createRoom("cache").id();
        Session onB = owner.on(b);
        // Warm both instances' view of the room (and the shared cache).
        assertThat(onB.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(1);
        assertThat(owner.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(1);

        for (int i = 0; i < 5; i++) {
            Session joiner = TestUsers.signUp(a, "joiner");
            assertThat(joiner.postEmpty("/api/rooms/" + room + "/members").status()).isEqualTo(204);
            assertThat(onB.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(2 + i);
        }
        Session leaver = TestUsers.signUp(b, "leaver");
        leaver.postEmpty("/api/rooms/" + room + "/members");
        assertThat(leaver.delete("/api/rooms/" + room + "/members").status()).isEqualTo(204);
        assertThat(owner.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(6);
    }

    @Test
    void joiningTwiceCountsOnce() {
        Session owner = TestUsers.signUp(a, "twice");
        long room = owner.createRoom("twice").id();
        Session joiner = TestUsers.signUp(b, "joiner");

        joiner.postEmpty("/api/rooms/" + room + "/members");
        joiner.postEmpty("/api/rooms/" + room + "/members");

        assertThat(owner.get("/api/rooms/" + room).json().get("memberCount").asInt()).isEqualTo(2);
    }

    @Test
    void roomListPagesCoverEveryRoomOnceInIdOrderAndSeeNewRoomsAtOnce() {
        Session client = TestUsers.signUp(a, "lister");
        List<Long> before = allRoomIds(client.on(b), 7);
        long fresh = client.createRoom("new on A").id();

        List<Long> after = allRoomIds(client.on(b), 7);

        assertThat(after).doesNotHaveDuplicates().isSorted();
        assertThat(after).containsAll(before).contains(fresh);
        assertThat(after).hasSize(before.size() + 1);
    }

    private static List<Long> allRoomIds(Session client, int pageSize) {
        List<Long> ids = new ArrayList<>();
        String cursor = null;
        do {
            Reply page = client.get("/api/rooms?limit=" + pageSize + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.json().get("items").size()).isLessThanOrEqualTo(pageSize);
            page.json().get("items").forEach(item -> ids.add(item.get("id").asLong()));
            JsonNode next = page.json().get("next");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return ids;
    }
}
