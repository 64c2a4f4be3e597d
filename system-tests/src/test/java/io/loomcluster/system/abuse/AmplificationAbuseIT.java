package io.loomcluster.system.abuse;

import io.loomcluster.chaos.ChaosCluster;
import io.loomcluster.client.Json;
import io.loomcluster.client.Names;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Through the balancer, as an attacker would come: a path spelled differently does not skip the
 * Origin check, a cross-site WebSocket upgrade is refused, and one GraphQL request cannot carry a
 * thousand posts. Each refusal changes no row.
 */
class AmplificationAbuseIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static ChaosCluster cluster;

    @BeforeAll
    static void start() {
        cluster = SharedCluster.get();
    }

    @AfterAll
    static void noBufferLeaked() {
        SharedCluster.assertNoLeaks();
    }

    @Test
    void noSpellingOfTheGraphqlPathSkipsTheOriginCheck() throws Exception {
        Session user = TestUsers.signUp(cluster.url(), "spell");
        String forged = Json.object("query", "mutation { createRoom(name: \"forged\") { id } }");

        for (String path : List.of("/graphql", "/graphql/", "//graphql", "/graphql;x=1", "/graphql%2F", "/graphql/.", "/./graphql")) {
            HttpResponse<String> reply = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.url() + path))
                    .header("Content-Type", "application/json")
                    .header("Origin", "https://evil.example")
                    .header("Cookie", Names.SESSION_COOKIE + "=" + user.cookie().orElseThrow())
                    .POST(HttpRequest.BodyPublishers.ofString(forged)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(reply.statusCode()).as(path + ": " + reply.body()).isBetween(400, 499);
        }
        assertThat(count("select count(*) from rooms where created_by = ?", user.userId())).isZero();
    }

    @Test
    void aCrossSiteWebSocketUpgradeIsRefused() {
        Session user = TestUsers.signUp(cluster.url(), "wsabuse");
        long room = user.createRoom("ws abuse").id();

        assertThatThrownBy(() -> HTTP.newWebSocketBuilder()
                .header("Cookie", Names.SESSION_COOKIE + "=" + user.cookie().orElseThrow())
                .header("Origin", "https://evil.example")
                .buildAsync(URI.create("ws://" + cluster.url().getRawAuthority() + "/api/rooms/" + room + "/ws"),
                        new WebSocket.Listener() { }).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                        .isEqualTo(403));
    }

    @Test
    void aThousandAliasedPostsInOneRequestPostNothing() {
        Session user = TestUsers.signUp(cluster.url(), "amplify");
        long room = user.createRoom("amplify").id();
        StringBuilder query = new StringBuilder("mutation {");
        for (int i = 0; i < 1000; i++) {
            query.append(" p").append(i).append(": postMessage(roomId: \"").append(room).append("\", text: \"x\") { id }");
        }

        Reply reply = user.post("/graphql", Json.object("query", query.append(" }").toString()));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().at("/errors/0/message").asText()).contains("mutations");
        assertThat(count("select count(*) from messages where room_id = ?", room)).isZero();
    }

    private static long count(String sql, long param) {
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(), "postgres", "");
             var ps = c.prepareStatement(sql)) {
            ps.setLong(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
