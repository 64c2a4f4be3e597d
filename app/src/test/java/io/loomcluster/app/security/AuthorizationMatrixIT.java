package io.loomcluster.app.security;

import io.loomcluster.client.EventStream;
import io.loomcluster.client.Json;
import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint as every kind of caller: anonymous, a member of the room, a logged-in non-member,
 * and the room's creator. Each case gets a fresh room, so that no case depends on another.
 */
class AuthorizationMatrixIT {
    enum Caller { ANONYMOUS, MEMBER, NON_MEMBER, OWNER }

    private static final TestCluster cluster = TestCluster.shared();
    private static URI base;
    private static Session owner;
    private static Session member;
    private static Session nonMember;

    @BeforeAll
    static void users() {
        base = cluster.appUrl(0);
        owner = TestUsers.signUp(base, "owner");
        member = TestUsers.signUp(base, "member");
        nonMember = TestUsers.signUp(base, "outsider");
    }

    /** endpoint, then the expected status for ANONYMOUS, MEMBER, NON_MEMBER, OWNER. */
    static Stream<Arguments> matrix() {
        List<Object[]> rows = List.of(
                new Object[] {"GET /api/session", 401, 200, 200, 200},
                new Object[] {"GET /api/rooms", 401, 200, 200, 200},
                new Object[] {"POST /api/rooms", 401, 201, 201, 201},
                new Object[] {"GET /api/rooms/{id}", 401, 200, 200, 200},
                new Object[] {"POST /api/rooms/{id}/members", 401, 204, 204, 204},
                new Object[] {"DELETE /api/rooms/{id}/members", 401, 204, 204, 204},
                new Object[] {"POST /api/rooms/{id}/messages", 401, 201, 403, 201},
                new Object[] {"GET /api/rooms/{id}/messages", 401, 200, 403, 200},
                new Object[] {"POST /api/rooms/{id}/read", 401, 200, 403, 200},
                new Object[] {"GET /api/unread", 401, 200, 200, 200},
                new Object[] {"GET /api/rooms/{id}/events", 401, 200, 403, 200},
                new Object[] {"WS /api/rooms/{id}/ws", 401, 101, 403, 101},
                new Object[] {"GET /api/notifications/events", 401, 200, 200, 200},
                new Object[] {"POST /graphql me", 401, 200, 200, 200},
                new Object[] {"POST /graphql postMessage", 401, 200, 403, 200},
                new Object[] {"POST /graphql markRead", 401, 200, 403, 200},
                new Object[] {"DELETE /api/session", 204, 204, 204, 204});
        List<Arguments> cases = new ArrayList<>();
        for (Object[] row : rows) {
            for (Caller caller : Caller.values()) {
                cases.add(Arguments.of(row[0], caller, row[1 + caller.ordinal()]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} as {1} -> {2}")
    @MethodSource("matrix")
    void everyEndpointAnswersEachCallerAsExpected(String endpoint, Caller caller, int expected) {
        long room = owner.createRoom("matrix " + endpoint).id();
        assertThat(member.postEmpty("/api/rooms/" + room + "/members").status()).isEqualTo(204);
        Session client = switch (caller) {
            case ANONYMOUS -> TestUsers.at(base);
            case MEMBER -> member;
            case NON_MEMBER -> nonMember;
            case OWNER -> owner;
        };
        // Logging out must not end the shared users' sessions: log in a second session for that case.
        if (endpoint.equals("DELETE /api/session") && caller != Caller.ANONYMOUS) {
            Session second = TestUsers.at(base);
            assertThat(second.login(client.username(), TestUsers.PASSWORD).status()).isEqualTo(200);
            client = second;
        }

        int status = call(client, endpoint.replace("{id}", Long.toString(room)), room);

        assertThat(status).as(endpoint + " as " + caller).isEqualTo(expected);
    }

    private static int call(Session client, String endpoint, long room) {
        String[] parts = endpoint.split(" ", 2);
        return switch (parts[0]) {
            case "GET" -> parts[1].endsWith("/events") ? streamStatus(client, parts[1]) : client.get(parts[1]).status();
            case "DELETE" -> client.delete(parts[1]).status();
            case "WS" -> webSocketStatus(client, parts[1]);
            case "POST" -> switch (parts[1]) {
                case "/api/rooms" -> client.post(parts[1], Json.object("name", "created in the matrix")).status();
                case "/graphql me" -> graphql(client, "{ me { username } }");
                case "/graphql postMessage" -> graphql(client,
                        "mutation { postMessage(roomId: \"" + room + "\", text: \"hi\") { id } }");
                case "/graphql markRead" -> graphql(client,
                        "mutation { markRead(roomId: \"" + room + "\", upTo: \"0\") { upTo } }");
                default -> parts[1].endsWith("/read") ? client.post(parts[1], Json.object("upTo", 0)).status()
                        : parts[1].endsWith("/messages")
                        ? client.post(parts[1], Json.object("text", "hello from the matrix")).status()
                        : client.postEmpty(parts[1]).status();
            };
            default -> throw new IllegalArgumentException(endpoint);
        };
    }

    /** GraphQL answers 200 with errors; the error's extensions carry the HTTP-like status. */
    private static int graphql(Session client, String query) {
        Reply response = client.post("/graphql", Json.object("query", query));
        if (response.status() != 200) {
            return response.status();
        }
        var errors = response.json().get("errors");
        if (errors == null || errors.isEmpty()) {
            return 200;
        }
        var code = errors.get(0).path("extensions").path("status");
        return code.isMissingNode() ? -1 : code.asInt();
    }

    private static int streamStatus(Session client, String path) {
        if (path.equals("/api/notifications/events")) {
            try (EventStream stream = client.notificationEvents(null)) {
                return stream.status();
            }
        }
        long room = Long.parseLong(path.split("/")[3]);
        try (EventStream stream = client.events(room, null)) {
            return stream.status();
        }
    }

    private static int webSocketStatus(Session client, String path) {
        try (LiveSocket socket = client.webSocket(path, false)) {
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }
}
