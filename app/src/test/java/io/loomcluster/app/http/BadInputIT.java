package io.loomcluster.app.http;

import io.loomcluster.client.Json;
import io.loomcluster.client.Reply;
import io.loomcluster.client.Request;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestUsers;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of bad input gets a 4xx problem+json that says what was wrong, and changes nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    private final TestCluster cluster = TestCluster.shared();
    private final URI a = cluster.appUrl(0);
    private Session member;
    private long room;

    @BeforeAll
    void setUp() {
        member = TestUsers.signUp(a, "badinput");
        room = member.createRoom("bad input").id();
    }

    Stream<Arguments> badMessageBodies() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"text\": ", 400, "malformed JSON"),
                Arguments.of("not an object", "[\"text\"]", 400, "expected a JSON object"),
                Arguments.of("a bare string", "\"hello\"", 400, "expected a JSON object"),
                Arguments.of("null", "null", 400, "null"),
                Arguments.of("wrong type", "{\"text\": 42}", 400, "'text' has the wrong type"),
                Arguments.of("nested object", "{\"text\": {\"a\": 1}}", 400, "'text' has the wrong type"),
                Arguments.of("missing field", "{}", 400, "text is required"),
                Arguments.of("unknown field", "{\"text\": \"hi\", \"admin\": true}", 400, "unknown field 'admin'"),
                Arguments.of("duplicate field", "{\"text\": \"hi\", \"text\": \"again\"}", 400, "malformed JSON"),
                Arguments.of("trailing garbage", "{\"text\": \"hi\"} {}", 400, "malformed JSON"),
                Arguments.of("empty text", Json.object("text", ""), 400, "text must be 1 to 4000 characters"),
                Arguments.of("blank text", Json.object("text", "   "), 400, "text must not be blank"),
                Arguments.of("text too long", Json.object("text", "x".repeat(4001)), 400, "text must be 1 to 4000 characters"),
                Arguments.of("NUL character", "{\"text\": \"a\\u0000b\"}", 400, "NUL"),
                Arguments.of("lone surrogate", "{\"text\": \"a\\ud800b\"}", 400, "unpaired surrogate"),
                Arguments.of("empty body", "", 400, "empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badMessageBodies")
    void aBadMessageBodyIsRefusedAndNothingIsPosted(String what, String body, int status, String detail) {
        int before = messageCount();

        Reply response = member.post("/api/rooms/" + room + "/messages", body);

        assertProblem(response, status, detail);
        assertThat(messageCount()).isEqualTo(before);
    }

    Stream<Arguments> badRegistrations() {
        return Stream.of(
                Arguments.of("username too short", Json.object("username", "ab", "password", TestUsers.PASSWORD), "username must be 3 to 32"),
                Arguments.of("username too long", Json.object("username", "a".repeat(33), "password", TestUsers.PASSWORD), "username must be 3 to 32"),
                Arguments.of("username with capitals", Json.object("username", "Alice", "password", TestUsers.PASSWORD), "a-z, 0-9 and _"),
                Arguments.of("username with spaces", Json.object("username", "a b c", "password", TestUsers.PASSWORD), "a-z, 0-9 and _"),
                Arguments.of("username missing", Json.object("password", TestUsers.PASSWORD), "username is required"),
                Arguments.of("password too short", Json.object("username", "shortpw_user", "password", "1234567"), "password must be 8 to 128"),
                Arguments.of("password too long", Json.object("username", "longpw_user", "password", "p".repeat(129)), "password must be 8 to 128"),
                Arguments.of("password missing", Json.object("username", "nopw_user"), "password is required"),
                Arguments.of("password a number", "{\"username\": \"numpw_user\", \"password\": 12345678}", "'password' has the wrong type"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRegistrations")
    void aBadRegistrationIsRefusedAndCreatesNoUser(String what, String body, String detail) {
        Session client = TestUsers.at(a);

        assertProblem(client.post("/api/users", body), 400, detail);
    }

    @Test
    void aRefusedRegistrationLeavesTheUsernameFree() {
        String name = TestUsers.uniqueUsername("free");
        Session client = TestUsers.at(a);
        assertProblem(client.post("/api/users", Json.object("username", name, "password", "short")), 400, "password");

        assertThat(client.post("/api/users", Json.object("username", name, "password", TestUsers.PASSWORD)).status()).isEqualTo(201);
    }

    Stream<Arguments> badRooms() {
        return Stream.of(
                Arguments.of("empty name", Json.object("name", ""), "name must be 1 to 80"),
                Arguments.of("blank name", Json.object("name", "  "), "name must not be blank"),
                Arguments.of("name too long", Json.object("name", "n".repeat(81)), "name must be 1 to 80"),
                Arguments.of("topic too long", Json.object("name", "ok", "topic", "t".repeat(201)), "topic must be 0 to 200"),
                Arguments.of("name a list", "{\"name\": [\"a\"]}", "'name' has the wrong type"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRooms")
    void aBadRoomIsRefusedAndNotCreated(String what, String body, String detail) {
        String lastRoomBefore = lastRoomId();

        assertProblem(member.post("/api/rooms", body), 400, detail);
        assertThat(lastRoomId()).isEqualTo(lastRoomBefore);
    }

    @Test
    void aBodyOver64KiBIs413() {
        int before = messageCount();
        String huge = Json.object("text", "x".repeat(70_000));

        assertProblem(member.post("/api/rooms/" + room + "/messages", huge), 413, "larger than 65536 bytes");
        assertThat(messageCount()).isEqualTo(before);
    }

    @Test
    void aChunkedBodyOver64KiBIs413() {
        byte[] huge = Json.object("text", "x".repeat(70_000)).getBytes();
        Request request = Request.post("/api/rooms/" + room + "/messages")
                .header("Content-Type", "application/json").body(huge).chunked();

        assertProblem(member.send(request), 413, "larger than");
    }

    @Test
    void aWriteWithTheWrongContentTypeIs415() {
        Request form = Request.post("/api/rooms/" + room + "/messages")
                .header("Content-Type", "application/x-www-form-urlencoded").body("text=hello");
        Request none = Request.post("/api/rooms").body(Json.object("name", "no type"));

        assertProblem(member.send(form), 415, "expected Content-Type: application/json");
        assertProblem(member.send(none), 415, "expected Content-Type: application/json");
    }

    Stream<Arguments> badPaths() {
        return Stream.of(
                Arguments.of("GET", "/api/rooms/abc", 400, "id must be a positive whole number"),
                Arguments.of("GET", "/api/rooms/-1", 400, "id must be a positive whole number"),
                Arguments.of("GET", "/api/rooms/0", 400, "id must be a positive whole number"),
                Arguments.of("GET", "/api/rooms/99999999999999999999", 400, "id must be a positive whole number"),
                Arguments.of("GET", "/api/rooms/987654321", 404, "room 987654321 does not exist"),
                Arguments.of("POST", "/api/rooms/987654321/members", 404, "does not exist"),
                Arguments.of("GET", "/api/rooms/987654321/messages", 404, "does not exist"),
                Arguments.of("GET", "/api/nothing-here", 404, "no route for GET /api/nothing-here"),
                Arguments.of("GET", "/definitely/not/a/route", 404, "no route"),
                Arguments.of("PUT", "/api/rooms", 405, "PUT is not allowed"),
                Arguments.of("PATCH", "/api/session", 405, "PATCH is not allowed"),
                Arguments.of("GET", "/api/rooms?limit=0", 400, "limit must be a whole number from 1 to 100"),
                Arguments.of("GET", "/api/rooms?limit=101", 400, "limit must be a whole number from 1 to 100"),
                Arguments.of("GET", "/api/rooms?limit=ten", 400, "limit must be a whole number"),
                Arguments.of("GET", "/api/rooms?cursor=not-a-cursor", 400, "cursor is not one this API issued"),
                Arguments.of("GET", "/api/rooms/ROOM/messages?after=-5", 400, "after must be a non-negative whole number"),
                Arguments.of("GET", "/api/rooms/ROOM/messages?wait=31", 400, "wait must be a whole number from 0 to 30"),
                Arguments.of("GET", "/api/rooms/ROOM/messages?limit=1e3", 400, "limit must be a whole number"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badPaths")
    void badPathsAndParametersAreClientErrors(String method, String path, int status, String detail) {
        Request request = Request.of(method, path.replace("ROOM", Long.toString(room)));

        assertProblem(member.send(request), status, detail);
    }

    @Test
    void requestsJettyRefusesBeforeTheAppAreProblemsToo() throws Exception {
        String badUri = raw("GET /api/rooms/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        String hugeHeader = raw("GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");

        assertThat(badUri).startsWith("HTTP/1.1 400").contains("Content-Type: application/problem+json").contains("\"status\":400");
        assertThat(hugeHeader).startsWith("HTTP/1.1 431").contains("Content-Type: application/problem+json");
    }

    private String raw(String request) throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", a.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aBadIdempotencyKeyIsRefused() {
        int before = messageCount();

        assertProblem(member.post("/api/rooms/" + room + "/messages", Json.object("text", "hi"), "Idempotency-Key", "x".repeat(129)),
                400, "Idempotency-Key must be 1 to 128");
        assertThat(messageCount()).isEqualTo(before);
    }

    @Test
    void actingWithoutASessionIs401() {
        Session anonymous = TestUsers.at(a);

        assertProblem(anonymous.get("/api/session"), 401, "needs a session");
        assertProblem(anonymous.get("/api/rooms"), 401, "needs a session");
        assertProblem(anonymous.post("/api/rooms", Json.object("name", "anon")), 401, "needs a session");
        assertProblem(anonymous.post("/api/rooms/" + room + "/messages", Json.object("text", "anon")), 401, "needs a session");
        assertProblem(anonymous.postEmpty("/api/rooms/" + room + "/members"), 401, "needs a session");
    }

    @Test
    void aForgedSessionCookieIs401() {
        Session forged = TestUsers.at(a);
        forged.useCookie("x".repeat(43));

        assertProblem(forged.get("/api/session"), 401, "needs a session");
    }

    private int messageCount() {
        return member.get("/api/rooms/" + room + "/messages?limit=100").json().get("items").size();
    }

    private String lastRoomId() {
        String cursor = null;
        String last = null;
        do {
            Reply page = member.get("/api/rooms?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
            for (var item : page.json().get("items")) {
                last = item.get("id").asText();
            }
            var next = page.json().get("next");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return last;
    }

    static void assertProblem(Reply response, int status, String detail) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("status").asInt()).isEqualTo(status);
        assertThat(response.json().get("title").asText()).isNotBlank();
        assertThat(response.json().get("detail").asText()).contains(detail);
    }
}
