package io.loomcluster.app.rooms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loomcluster.app.config.AppConfig;
import io.loomcluster.app.db.Database;
import io.loomcluster.app.db.Sql;
import io.loomcluster.app.redis.Redis;
import io.loomcluster.app.tracing.Tracing;
import io.loomcluster.client.Json;
import io.loomcluster.client.ReadMarker;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReadMarkersIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private final URI b = cluster.appUrl(1);

    @Test
    void theMarkerNeverMovesBackAndStopsAtTheRoomsNewestPosition() throws SQLException {
        Session alice = TestUsers.signUp(a, "reader_a");
        Session bob = TestUsers.signUp(b, "reader_b");
        long room = alice.createRoom("read").id();
        bob.join(room);
        long m1 = alice.post(room, "one").id();
        long m2 = alice.post(room, "two").id();
        long m3 = alice.post(room, "three").id();

        assertThat(bob.markRead(room, m2)).isEqualTo(new ReadMarker(room, m2, 1));
        assertThat(bob.on(a).markRead(room, m1)).isEqualTo(new ReadMarker(room, m2, 1));
        assertThat(bob.markRead(room, 0)).isEqualTo(new ReadMarker(room, m2, 1));
        assertThat(bob.markRead(room, 4_000_000_000_000_000_000L)).isEqualTo(new ReadMarker(room, m3, 0));
        // Had the bogus value been kept, the next message would count as read already.
        long m4 = alice.post(room, "four").id();
        assertThat(roomIn(unread(bob), room).get("unread").asInt()).isEqualTo(1);

        // An edit or delete is a position too (message_changes, on the message id sequence).
        long change = sqlLong("insert into message_changes (room_id, message_id, kind) values (?, ?, 'updated') returning position",
                room, m4);
        assertThat(bob.on(a).markRead(room, Long.MAX_VALUE)).isEqualTo(new ReadMarker(room, change, 0));
    }

    @Test
    void unreadCountsOthersLiveMessagesSinceJoiningAndListsAgreeWithTheBadge() throws SQLException {
        Session alice = TestUsers.signUp(a, "reader_a");
        Session bob = TestUsers.signUp(b, "reader_b");
        long busy = alice.createRoom("busy").id();
        long before = alice.post(busy, "said before bob joined").id();
        long closed = alice.createRoom("closed").id();
        long own = bob.createRoom("own").id();
        alice.join(own);
        bob.join(busy);
        assertThat(roomIn(unread(bob), busy).get("unread").asInt()).isZero();
        assertThat(roomIn(unread(bob), busy).get("readUpTo").asLong()).isEqualTo(before);

        alice.post(busy, "kept");
        long deleted = alice.post(busy, "deleted").id();
        bob.post(busy, "bob's own");
        alice.post(own, "in bob's room");
        sqlLong("update messages set deleted_at = now(), text = '' where id = ? returning id", deleted);

        JsonNode badge = unread(bob);
        assertThat(roomIn(badge, busy).get("unread").asInt()).isEqualTo(1);
        assertThat(roomIn(badge, own).get("unread").asInt()).isEqualTo(1);
        assertThat(roomIn(badge, own).get("readUpTo").asLong()).isZero();
        assertThat(badge.get("total").asLong()).isEqualTo(sum(badge));
        JsonNode page = bob.on(a).get("/api/rooms?limit=100&cursor=" + (busy - 1)).json().get("items");
        for (long room : List.of(busy, own)) {
            assertThat(roomIn(page, room, "id").get("unread")).isEqualTo(roomIn(badge, room).get("unread"));
            assertThat(roomIn(page, room, "id").get("readUpTo")).isEqualTo(roomIn(badge, room).get("readUpTo"));
        }
        assertThat(roomIn(page, closed, "id").get("unread").isNull()).isTrue();
        assertThat(roomIn(page, closed, "id").get("readUpTo").isNull()).isTrue();
        assertThat(bob.rooms(100, Long.toString(busy - 1)).items()).anySatisfy(r -> {
            assertThat(r.id()).isEqualTo(busy);
            assertThat(r.unread()).isEqualTo(1);
        });
    }

    @Test
    void aMembershipWithoutAMarkerCountsEverythingUpToTheCap() throws SQLException {
        Session alice = TestUsers.signUp(a, "reader_a");
        Session bob = TestUsers.signUp(b, "reader_b");
        long room = alice.createRoom("history").id();
        bob.join(room);
        sqlLong("insert into messages (room_id, user_id, text) select ?, ?, 'old' from generate_series(1, ?) returning 0",
                room, alice.userId(), ReadMarkers.MAX_UNREAD + 5);
        // As a member from before read markers were kept.
        sqlLong("delete from read_markers where room_id = ? and user_id = ? returning 0", room, bob.userId());

        JsonNode entry = roomIn(unread(bob), room);
        assertThat(entry.get("unread").asInt()).isEqualTo(ReadMarkers.MAX_UNREAD);
        assertThat(entry.get("readUpTo").isNull()).isTrue();
        long newest = sqlLong("select max(id) from messages where room_id = ?", room);
        assertThat(bob.markRead(room, newest - 3)).isEqualTo(new ReadMarker(room, newest - 3, 3));
    }

    @Test
    void graphqlReadsTheSameStateInOneBatchAndMarksRead() {
        Session alice = TestUsers.signUp(a, "reader_a");
        Session bob = TestUsers.signUp(b, "reader_b");
        long first = alice.createRoom("g1").id();
        long second = alice.createRoom("g2").id();
        long closed = alice.createRoom("g3").id();
        bob.join(first);
        bob.join(second);
        long m1 = alice.post(first, "x").id();
        alice.post(first, "y");
        alice.post(second, "z");
        double batches = batches(b);

        JsonNode items = bob.graphql("{ rooms(limit: 100, cursor: \"" + (first - 1) + "\") { items { id unread readUpTo } } }")
                .at("/data/rooms/items");
        JsonNode badge = unread(bob);

        assertThat(batches(b) - batches).isEqualTo(1.0);
        for (long room : List.of(first, second)) {
            JsonNode item = roomIn(items, room, "id");
            assertThat(item.get("unread").asInt()).isEqualTo(roomIn(badge, room).get("unread").asInt()).isPositive();
            assertThat(item.get("readUpTo").asText()).isEqualTo(roomIn(badge, room).get("readUpTo").asText());
        }
        assertThat(roomIn(items, closed, "id").get("unread").isNull()).isTrue();
        assertThat(roomIn(items, closed, "id").get("readUpTo").isNull()).isTrue();

        JsonNode marked = bob.graphql("mutation { markRead(roomId: \"" + first + "\", upTo: \"" + m1 + "\") { roomId upTo unread } }");
        assertThat(marked.get("errors")).isNull();
        assertThat(marked.at("/data/markRead/upTo").asText()).isEqualTo(Long.toString(m1));
        assertThat(marked.at("/data/markRead/unread").asInt()).isEqualTo(1);
        JsonNode refused = bob.graphql("mutation { markRead(roomId: \"" + closed + "\", upTo: \"1\") { upTo } }");
        assertThat(refused.at("/errors/0/extensions/status").asInt()).isEqualTo(403);
        JsonNode negative = bob.graphql("mutation { markRead(roomId: \"" + first + "\", upTo: \"-1\") { upTo } }");
        assertThat(negative.at("/errors/0/extensions/status").asInt()).isEqualTo(400);
    }

    @Test
    void badInputAndStrangersAreRefusedWithProblemsAndChangeNothing() {
        Session alice = TestUsers.signUp(a, "reader_a");
        Session stranger = TestUsers.signUp(b, "reader_s");
        long room = alice.createRoom("guarded").id();
        long message = alice.post(room, "hello").id();
        String path = "/api/rooms/" + room + "/read";

        for (String body : List.of("{}", "{\"upTo\":-1}", "{\"upTo\":null}", "{\"upTo\":\"5\"}", "{\"upTo\":1.5}",
                "{\"upTo\":99999999999999999999}", "{\"upTo\":1,\"x\":2}", "[]")) {
            assertProblem(alice.post(path, body), 400);
        }
        assertProblem(alice.post("/api/rooms/abc/read", Json.object("upTo", 1)), 400);
        assertProblem(alice.post("/api/rooms/" + Long.MAX_VALUE + "/read", Json.object("upTo", 1)), 404);
        assertProblem(stranger.post(path, Json.object("upTo", message)), 403);
        assertProblem(TestUsers.at(a).post(path, Json.object("upTo", message)), 401);
        assertProblem(TestUsers.at(b).get("/api/unread"), 401);

        assertThat(roomIn(unread(alice), room).get("readUpTo").asLong()).isZero();
        assertThat(unread(stranger).get("rooms")).noneSatisfy(r -> assertThat(r.get("roomId").asLong()).isEqualTo(room));
    }

    @Test
    void theListenerHearsOfAMarkerOnlyWhenItMoves() {
        Session alice = TestUsers.signUp(a, "reader_a");
        Session bob = TestUsers.signUp(b, "reader_b");
        long room = alice.createRoom("heard").id();
        bob.join(room);
        long m1 = alice.post(room, "one").id();
        long m2 = alice.post(room, "two").id();
        List<List<Long>> heard = new ArrayList<>();
        AppConfig config = AppConfig.fromEnvironment(Map.of("DATABASE_URL", cluster.services().jdbcUrl(),
                "DATABASE_USER", cluster.services().databaseUser(), "REDIS_URL", cluster.services().redisUrl()));
        try (Database database = Database.connect(config.database(), new SimpleMeterRegistry());
             Redis redis = Redis.connect(URI.create(cluster.services().redisUrl()))) {
            Sql sql = new Sql(database, Tracing.off());
            ReadMarkers reads = new ReadMarkers(sql, new RoomService(sql, redis, new ObjectMapper(), (tx, r, u) -> { }),
                    (r, u, upTo) -> heard.add(List.of(r, u, upTo)));

            reads.markRead(room, bob.userId(), m1);
            reads.markRead(room, bob.userId(), m1);
            reads.markRead(room, bob.userId(), 0);
            reads.markRead(room, bob.userId(), Long.MAX_VALUE);
            reads.markRead(room, bob.userId(), Long.MAX_VALUE);
        }
        assertThat(heard).containsExactly(List.of(room, bob.userId(), m1), List.of(room, bob.userId(), m2));
    }

    private static JsonNode unread(Session session) {
        Reply reply = session.get("/api/unread");
        assertThat(reply.status()).isEqualTo(200);
        return reply.json();
    }

    private static long sum(JsonNode badge) {
        long sum = 0;
        for (JsonNode room : badge.get("rooms")) {
            sum += room.get("unread").asLong();
        }
        return sum;
    }

    private static JsonNode roomIn(JsonNode badge, long roomId) {
        return roomIn(badge.get("rooms"), roomId, "roomId");
    }

    private static JsonNode roomIn(JsonNode items, long roomId, String idField) {
        for (JsonNode item : items) {
            if (item.get(idField).asLong() == roomId) {
                return item;
            }
        }
        throw new AssertionError("room " + roomId + " is not in " + items);
    }

    private static void assertProblem(Reply reply, int status) {
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().get("status").asInt()).isEqualTo(status);
    }

    private static double batches(URI instance) {
        return TestUsers.at(instance).get("/metrics").body().lines()
                .filter(l -> l.startsWith("loom_graphql_batch_loads_total{") && l.contains("loader=\"reads\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** One statement against the cluster's database; the first column of its first row. */
    private long sqlLong(String statement, Object... params) throws SQLException {
        try (Connection db = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "");
             PreparedStatement ps = db.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a row from " + statement).isTrue();
                return rs.getLong(1);
            }
        }
    }
}
