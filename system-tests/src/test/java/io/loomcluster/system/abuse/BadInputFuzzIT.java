package io.loomcluster.system.abuse;

import io.loomcluster.chaos.*;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import io.loomcluster.client.LoomClient;
import io.loomcluster.testing.RawHttp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated input at every endpoint, through the balancer: bodies, headers, paths and query
 * strings. Whatever arrives, the answer comes within a bounded time, is never a 500, and a refused
 * request (4xx) changes nothing in PostgreSQL.
 */
class BadInputFuzzIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static ChaosCluster cluster;
    private static ApiUser user;
    private static long room;

    private static final List<String> WRITE_PATHS = List.of("/api/users", "/api/session", "/api/rooms",
            "/api/rooms/{room}/members", "/api/rooms/{room}/messages", "/graphql");
    private static final List<String> ALL_PATHS = List.of("/api/users", "/api/session", "/api/rooms", "/api/rooms/{room}",
            "/api/rooms/{room}/members", "/api/rooms/{room}/messages", "/api/rooms/{room}/events", "/api/rooms/{room}/ws",
            "/graphql", "/health/live", "/health/ready", "/metrics");
    private static final List<String> VALID_BODIES = List.of(
            "{\"username\":\"fuzz_user_1\",\"password\":\"a long enough password\"}",
            "{\"name\":\"fuzzed room\",\"topic\":\"t\"}",
            "{\"text\":\"hello\"}",
            "{\"query\":\"mutation { postMessage(roomId: \\\"1\\\", text: \\\"x\\\") { id } }\",\"variables\":{\"a\":1}}",
            "{\"query\":\"{ rooms { items { id messages { items { id } } } } }\"}");

    @BeforeContainer
    static void start() {
        cluster = SharedCluster.get();
        user = new ApiUser(LoomClient.builder(cluster.url()).timeout(TIMEOUT).build(), new Tally(), Duration.ZERO)
                .signUp("fuzz_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36));
        room = user.createRoom("fuzz room");
    }

    @AfterContainer
    static void noBufferLeaked() {
        SharedCluster.assertNoLeaks();
    }

    @Property(tries = 300)
    void randomBodiesAreRefusedCleanly(@ForAll("writePaths") String path, @ForAll("bodies") String body,
                                       @ForAll("contentTypes") String contentType, @ForAll boolean withSession) {
        State before = State.read(cluster.jdbcUrl());
        String request = "POST " + path.replace("{room}", Long.toString(room)) + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n"
                + (contentType.isEmpty() ? "" : "Content-Type: " + contentType + "\r\n")
                + (withSession ? "Cookie: SESSION=" + session() + "\r\n" : "")
                + "Content-Length: " + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n\r\n";
        byte[] bytes = concat(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        int status = exchange(bytes);

        assertCleanAnswer(status);
        if (status >= 400) {
            assertThat(State.read(cluster.jdbcUrl())).as("state after a refused request").isEqualTo(before);
        }
    }

    @Property(tries = 300)
    void randomHeadersAreRefusedCleanly(@ForAll("allPaths") String path, @ForAll("methods") String method,
                                        @ForAll("headers") List<String> headers) {
        State before = State.read(cluster.jdbcUrl());
        StringBuilder request = new StringBuilder(method + " " + path.replace("{room}", Long.toString(room))
                + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\nCookie: SESSION=" + session() + "\r\n");
        headers.forEach(h -> request.append(h).append("\r\n"));
        request.append("Content-Length: 0\r\n\r\n");

        int status = exchange(request.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        assertCleanAnswer(status);
        if (status >= 400) {
            assertThat(State.read(cluster.jdbcUrl())).isEqualTo(before);
        }
    }

    @Property(tries = 300)
    void randomPathsAndQueriesAreRefusedCleanly(@ForAll("methods") String method, @ForAll("targets") String target) {
        State before = State.read(cluster.jdbcUrl());
        String request = method + " " + target + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\nCookie: SESSION="
                + session() + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

        int status = exchange(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        assertCleanAnswer(status);
        if (status >= 400) {
            assertThat(State.read(cluster.jdbcUrl())).isEqualTo(before);
        }
    }

    private static String session() {
        return user.session().cookie().orElseThrow();
    }

    private static void assertCleanAnswer(int status) {
        assertThat(status).as("an HTTP status").isBetween(100, 599);
        assertThat(status).as("never a server error").isNotEqualTo(500);
    }

    private static int exchange(byte[] request) {
        try (var socket = RawHttp.connect(cluster.lbPort())) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return RawHttp.status(RawHttp.readUntilClosed(socket, TIMEOUT));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- generators

    @Provide
    Arbitrary<String> writePaths() {
        return Arbitraries.of(WRITE_PATHS);
    }

    @Provide
    Arbitrary<String> allPaths() {
        return Arbitraries.of(ALL_PATHS);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "FOO", "get");
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of("application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain",
                "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json;;;", "");
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> valid = Arbitraries.of(VALID_BODIES);
        Arbitrary<String> mutated = Combinators.combine(valid, Arbitraries.integers().between(0, 200),
                Arbitraries.strings().ofMaxLength(6).withChars("{}[]\":,\\ 0-9a-zé\u0000\ud83d\ude00"),
                Arbitraries.integers().between(0, 5)).as(BadInputFuzzIT::mutate);
        Arbitrary<String> typed = Arbitraries.of("null", "[]", "{}", "\"\"", "1e999999", "-0", "true",
                "{\"text\":null}", "{\"text\":1}", "{\"text\":\"\"}", "{\"text\":[\"a\"]}", "{\"text\":{\"a\":1}}",
                "{\"name\":\"" + "n".repeat(81) + "\"}", "{\"text\":\"" + "t".repeat(4001) + "\"}",
                "{\"username\":\"ab\",\"password\":\"short\"}", "{\"text\":\"a\",\"text\":\"b\"}",
                "{\"query\":\"" + "{ rooms ".repeat(40) + "\"}", "{\"query\":\"query { __schema { types { name } } }\"}",
                "[".repeat(5000), "{\"a\":".repeat(2000), "\"\\ud800\"", "{\"text\":\"\\u0000\"}");
        Arbitrary<String> random = Arbitraries.strings().all().ofMaxLength(300);
        return Arbitraries.oneOf(valid, mutated, mutated, typed, random);
    }

    @Provide
    Arbitrary<List<String>> headers() {
        Arbitrary<String> name = Arbitraries.of("Content-Type", "Cookie", "Idempotency-Key", "X-Request-Id", "Last-Event-ID",
                "Origin", "X-Forwarded-For", "X-Forwarded-Host", "Accept", "Accept-Encoding", "Range", "If-None-Match",
                "Authorization", "Upgrade", "Expect", "X-" + "h".repeat(200));
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200),
                Arbitraries.strings().withCharRange('\u0080', '\u00ff').ofMaxLength(20),
                Arbitraries.of("SESSION=", "SESSION=" + "a".repeat(43), "SESSION=x; SESSION=y", "-1", "99999999999999999999",
                        "websocket", "100-continue", "bytes=0-", "null", "*", "\t", " leading", "http://[::1", "gzip, br"));
        return Combinators.combine(name, value).as((n, v) -> n + ": " + v).list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<String> targets() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("api", "rooms", "messages", "members", "events", "ws", "session", "users", "graphql",
                        Long.toString(Long.MAX_VALUE), "99999999999999999999", "-1", "0", "1.5", "%00", "%2e%2e", "..",
                        "%ZZ", "%c0%ae", "\u00e9", "a".repeat(300), ";", "%2F", "*"),
                Arbitraries.longs().between(-5, 1000).map(n -> Long.toString(n)));
        Arbitrary<String> path = segment.list().ofMinSize(1).ofMaxSize(6).map(s -> "/" + String.join("/", s));
        Arbitrary<String> param = Combinators.combine(
                Arbitraries.of("limit", "after", "cursor", "wait", "id", "limit[]", "", "%00"),
                Arbitraries.of("", "0", "1", "-1", "101", "abc", "1e3", "99999999999999999999", "%00", "0x10", "1,2"))
                .as((k, v) -> k + "=" + v);
        Arbitrary<String> query = param.list().ofMaxSize(4).map(p -> p.isEmpty() ? "" : "?" + String.join("&", p));
        return Combinators.combine(path, query).as((p, q) -> p + q);
    }

    private static String mutate(String valid, int position, String insert, int deletions) {
        int at = Math.min(position, valid.length());
        int end = Math.min(valid.length(), at + deletions);
        return valid.substring(0, at) + insert + valid.substring(end);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Row counts of every table a request could change. */
    record State(long users, long rooms, long memberships, long messages, long idempotencyKeys) {
        static State read(String jdbcUrl) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select (select count(*) from users), (select count(*) from rooms),"
                         + " (select count(*) from memberships), (select count(*) from messages),"
                         + " (select count(*) from idempotency_keys)")) {
                rs.next();
                return new State(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
