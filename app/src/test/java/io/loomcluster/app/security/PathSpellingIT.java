package io.loomcluster.app.security;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Names;
import io.loomcluster.client.Session;
import io.loomcluster.testing.Await;
import io.loomcluster.testing.ManagedProcess;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The Origin check and the in-flight bound apply to the route the router serves, however its path is spelled. */
class PathSpellingIT {
    private static final TestCluster cluster = TestCluster.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static URI plain;
    private static URI oneInFlight;

    @BeforeAll
    static void start() {
        plain = cluster.appUrl(0);
        ManagedProcess limited = cluster.startApp(Map.of("MAX_IN_FLIGHT", "1"));
        oneInFlight = TestCluster.baseUrl(limited);
    }

    /** The router serves these spellings as /graphql and /api/rooms: the checks apply. */
    @ParameterizedTest
    @ValueSource(strings = {"/graphql/", "/api/rooms/"})
    void aCrossOriginPostToAServedSpellingIsRefused(String path) throws Exception {
        Session user = TestUsers.signUp(plain, "spelling");

        HttpResponse<String> reply = rawPost(plain, user, path, bodyFor(path), "https://evil.example");

        assertThat(reply.statusCode()).as(path).isEqualTo(403);
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(roomsCreatedBy(user.userId())).as(path).isZero();
    }

    /** No route matches these spellings: nothing runs, whatever the Origin. */
    @ParameterizedTest
    @ValueSource(strings = {"//graphql", "/graphql;x=1", "/graphql%2F", "/api//rooms", "/api/rooms;x=1", "/api%2Frooms"})
    void aSpellingNoRouteMatchesRunsNothing(String path) throws Exception {
        Session user = TestUsers.signUp(plain, "unrouted");

        HttpResponse<String> crossSite = rawPost(plain, user, path, bodyFor(path), "https://evil.example");
        HttpResponse<String> sameSite = rawPost(plain, user, path, bodyFor(path), null);

        assertThat(crossSite.statusCode()).as(path).isBetween(400, 499);
        assertThat(sameSite.statusCode()).as(path).isBetween(400, 499);
        assertThat(roomsCreatedBy(user.userId())).as(path).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/graphql/", "/api/rooms/"})
    void theInFlightBoundAppliesInEveryServedSpelling(String path) throws Exception {
        Session user = TestUsers.signUp(oneInFlight, "limited");
        try (Connection db = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "")) {
            db.setAutoCommit(false);
            db.createStatement().execute("lock table rooms in access exclusive mode");
            // This request holds the instance's only in-flight permit while it waits for the lock.
            CompletableFuture<Reply> holder = CompletableFuture.supplyAsync(
                    () -> user.post("/api/rooms", Json.object("name", "held")));
            Await.until("a room insert waits for the lock", Duration.ofSeconds(10), () -> waitingOnLock(db));

            HttpResponse<String> reply = rawPost(oneInFlight, user, path,
                    path.contains("graphql") ? Json.object("query", "{ __typename }") : Json.object("name", "x"), null);

            db.rollback();
            assertThat(holder.join().status()).isEqualTo(201);
            assertThat(reply.statusCode()).as(path).isEqualTo(503);
        }
    }

    private static String bodyFor(String path) {
        return path.contains("graphql")
                ? Json.object("query", "mutation { createRoom(name: \"forged\") { id } }")
                : Json.object("name", "forged");
    }

    /** Outside the contract-checking client: these spellings are not in the contract, on purpose. */
    private static HttpResponse<String> rawPost(URI base, Session user, String path, String json, String origin)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .header("Cookie", Names.SESSION_COOKIE + "=" + user.cookie().orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long roomsCreatedBy(long userId) {
        try (Connection db = DriverManager.getConnection(cluster.services().jdbcUrl(), cluster.services().databaseUser(), "");
             var ps = db.prepareStatement("select count(*) from rooms where created_by = ?")) {
            ps.setLong(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean waitingOnLock(Connection db) {
        try (var ps = db.prepareStatement("""
                select count(*) from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
