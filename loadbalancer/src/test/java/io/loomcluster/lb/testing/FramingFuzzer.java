package io.loomcluster.lb.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Differential fuzzing of request framing: random requests (methods, versions, {@code Connection}
 * tokens naming framing and other headers, valid and conflicting framing, chunk extensions and
 * trailers, bodies around each size threshold, pipelining) are sent through the balancer to a
 * {@link RecordingBackend}. A strict reference decides for each request whether it must be
 * forwarded (and with which body), must be refused, or may be either; the backend's record is then
 * held against it: every forwarded request arrives once, whole, with exactly the body the client
 * framed, and nothing else arrives on any backend connection.
 */
public final class FramingFuzzer {
    /** What the reference says of one request. */
    public enum Expect { FORWARD, REFUSE, EITHER }

    /** One generated request: its bytes, what must happen to it, and the body it frames when valid. */
    public record Generated(int id, String method, String bytes, Expect expect, String body, boolean lastOnConnection,
                            String why) {
        String target() {
            return "/fuzz/" + id;
        }
    }

    /** The thresholds of the balancer under test. */
    public record Limits(int retryBufferBytes, int maxBodyBytes) {
    }

    private static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"};
    private static final String[] TOKENS = {"keep-alive", "content-length", "Content-Length", "transfer-encoding",
            "Transfer-Encoding", "host", "Host", "upgrade", "te", "TE", "trailer", "x-drop-me", "close"};
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n";

    private final Random random;
    private final Limits limits;
    private int nextId;

    public FramingFuzzer(long seed, Limits limits) {
        this.random = new Random(seed);
        this.limits = limits;
    }

    /** One to four requests to send back to back on one connection. */
    public List<Generated> pipeline() {
        int count = 1 + (random.nextInt(10) < 7 ? 0 : random.nextInt(4));
        List<Generated> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(request());
        }
        return requests;
    }

    private Generated request() {
        int id = ++nextId;
        String method = METHODS[random.nextInt(METHODS.length)];
        boolean http10 = random.nextInt(12) == 0;
        StringBuilder head = new StringBuilder();
        head.append(method).append(" /fuzz/").append(id);
        if (random.nextInt(4) == 0) {
            head.append("?q=").append(random.nextInt(1000));
        }
        head.append(http10 ? " HTTP/1.0" : " HTTP/1.1").append("\r\n");
        head.append(random.nextBoolean() ? "Host: lb\r\n" : "host: lb.example:8080\r\n");

        List<String> tokens = new ArrayList<>();
        int tokenCount = random.nextInt(4);
        for (int i = 0; i < tokenCount; i++) {
            tokens.add(TOKENS[random.nextInt(TOKENS.length)]);
        }
        boolean close = tokens.stream().anyMatch(t -> t.equalsIgnoreCase("close"));
        boolean keepAlive = tokens.stream().anyMatch(t -> t.equalsIgnoreCase("keep-alive"));
        if (!tokens.isEmpty()) {
            if (tokens.size() > 1 && random.nextBoolean()) {
                // The same list over two Connection fields.
                int split = 1 + random.nextInt(tokens.size() - 1);
                head.append("Connection: ").append(String.join(", ", tokens.subList(0, split))).append("\r\n");
                head.append("Connection: ").append(String.join(",", tokens.subList(split, tokens.size()))).append("\r\n");
            } else {
                head.append("Connection: ").append(String.join(random.nextBoolean() ? ", " : ",", tokens)).append("\r\n");
            }
        }
        if (random.nextInt(5) == 0) {
            head.append("X-Drop-Me: 1\r\nTE: trailers\r\nTrailer: X-Checksum\r\n");
        }
        if (random.nextInt(8) == 0) {
            head.append("Upgrade: h2c\r\n");
        }
        boolean lastOnConnection = close || http10 && !keepAlive;

        int length = size();
        String body = body(length);
        int form = random.nextInt(20);
        Framed framed;
        if (form < 5) {
            framed = new Framed("", "", "", Expect.FORWARD, "no body");
        } else if (form < 10) {
            framed = new Framed("Content-Length: " + length + "\r\n", body, body, Expect.FORWARD, "content-length");
        } else if (form < 15) {
            framed = chunked(body, http10);
        } else {
            framed = conflicting(body);
        }
        Expect expect = framed.expect();
        String why = framed.why();
        if (expect != Expect.REFUSE && framed.body().length() > limits.maxBodyBytes()) {
            expect = Expect.REFUSE;
            why += ", over the body limit";
        }
        if (expect != Expect.REFUSE && !framed.body().isEmpty() && random.nextInt(6) == 0) {
            head.append("Expect: 100-continue\r\n");
        }
        head.append(framed.headers()).append("\r\n").append(framed.wire());
        return new Generated(id, method, head.toString(), expect, expect == Expect.REFUSE ? "" : framed.body(),
                lastOnConnection, why + (tokens.isEmpty() ? "" : ", Connection: " + tokens) + (http10 ? ", HTTP/1.0" : ""));
    }

    /** Header lines, the bytes after the header block, the body a strict reader takes from them, the verdict. */
    private record Framed(String headers, String wire, String body, Expect expect, String why) {
    }

    private Framed chunked(String body, boolean http10) {
        StringBuilder wire = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int chunk = Math.min(body.length() - at, 1 + random.nextInt(Math.max(1, body.length() / 2 + 1)));
            String size = Integer.toHexString(chunk);
            wire.append(random.nextBoolean() ? size : size.toUpperCase(Locale.ROOT));
            switch (random.nextInt(4)) {
                case 0 -> wire.append(";ext=value");
                case 1 -> wire.append(";a;b=\"quoted\"");
                default -> { }
            }
            wire.append("\r\n").append(body, at, at + chunk).append("\r\n");
            at += chunk;
        }
        wire.append("0").append(random.nextInt(4) == 0 ? ";last=1" : "").append("\r\n");
        if (random.nextInt(4) == 0) {
            wire.append("X-Checksum: 1234\r\n");
        }
        wire.append("\r\n");
        String coding = switch (random.nextInt(4)) {
            case 0 -> "Chunked";
            case 1 -> " chunked ";
            default -> "chunked";
        };
        String header = "Transfer-Encoding: " + coding + "\r\n";
        return http10 ? new Framed(header, wire.toString(), "", Expect.REFUSE, "chunked in HTTP/1.0")
                : new Framed(header, wire.toString(), body, Expect.FORWARD, "chunked");
    }

    private Framed conflicting(String body) {
        int length = body.length();
        String chunkedWire = Integer.toHexString(Math.max(1, length)) + "\r\n" + (length == 0 ? "x" : body) + "\r\n0\r\n\r\n";
        return switch (random.nextInt(16)) {
            case 0 -> refused("Content-Length: " + length + "\r\nTransfer-Encoding: chunked\r\n", chunkedWire,
                    "length and chunked");
            case 1 -> refused("Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n", chunkedWire,
                    "chunked and length");
            case 2 -> refused("Content-Length: " + length + "\r\nContent-Length: " + (length + 1) + "\r\n", body,
                    "two lengths");
            case 3 -> new Framed("Content-Length: " + length + "\r\nContent-Length: " + length + "\r\n", body, body,
                    Expect.EITHER, "the same length twice");
            case 4 -> refused("Content-Length: +" + length + "\r\n", body, "signed length");
            case 5 -> new Framed("Content-Length: " + length + ", " + length + "\r\n", body, body, Expect.EITHER,
                    "a list of one length");
            case 6 -> refused("Content-Length: 0x" + Integer.toHexString(length) + "\r\n", body, "hex length");
            case 7 -> refused("Transfer-Encoding: xchunked\r\n", chunkedWire, "unknown coding");
            case 8 -> refused("Transfer-Encoding: chunked, chunked\r\n", chunkedWire, "chunked twice");
            case 9 -> refused("Transfer-Encoding: gzip, chunked\r\n", chunkedWire, "gzip then chunked");
            case 10 -> refused("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunkedWire,
                    "two Transfer-Encoding fields");
            case 11 -> refused("Transfer-Encoding : chunked\r\n", chunkedWire, "space before the colon");
            case 12 -> refused("X-Pad: 1\r\nTransfer-Encoding:\r\n chunked\r\n", chunkedWire, "folded Transfer-Encoding");
            case 13 -> refused("Transfer-Encoding: chunked\r\n", (random.nextBoolean() ? "+5" : "0x5") + "\r\nhello\r\n0\r\n\r\n",
                    "malformed chunk size");
            case 14 -> refused("Transfer-Encoding: chunked\r\n", "5\r\nhello!!\r\n0\r\n\r\n", "chunk longer than its size");
            default -> refused("Content-Length: " + length + "\r\nX-Bad: a\u0000b\r\n", body, "NUL in a header value");
        };
    }

    private static Framed refused(String headers, String wire, String why) {
        return new Framed(headers, wire, "", Expect.REFUSE, why);
    }

    /** A body length, mostly around the thresholds of the balancer (retry buffer, body limit). */
    private int size() {
        int r = limits.retryBufferBytes();
        int m = limits.maxBodyBytes();
        int[] around = {0, 1, 2, 17, r - 1, r, r + 1, r + 2, 2 * r, m - 1, m, m + 1};
        int pick = random.nextInt(around.length + 2);
        return pick < around.length ? Math.max(0, around[pick]) : random.nextInt(Math.max(1, m));
    }

    /** Bytes a backend that lost the framing would read as requests. */
    private String body(int length) {
        StringBuilder body = new StringBuilder(length);
        while (body.length() < length) {
            if (random.nextInt(3) == 0) {
                body.append(SMUGGLED);
            } else {
                body.append((char) random.nextInt(256));
            }
        }
        body.setLength(length);
        return body.toString();
    }

    /** The bytes of a whole pipeline. */
    public static byte[] bytes(List<Generated> pipeline) {
        StringBuilder all = new StringBuilder();
        pipeline.forEach(g -> all.append(g.bytes()));
        return all.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The backend's requests by target, for checking a pipeline's. */
    public static Map<String, List<RecordingBackend.Received>> byTarget(List<RecordingBackend.Received> received) {
        Map<String, List<RecordingBackend.Received>> result = new HashMap<>();
        for (RecordingBackend.Received r : received) {
            int q = r.target().indexOf('?');
            result.computeIfAbsent(q < 0 ? r.target() : r.target().substring(0, q), k -> new ArrayList<>()).add(r);
        }
        return result;
    }
}
