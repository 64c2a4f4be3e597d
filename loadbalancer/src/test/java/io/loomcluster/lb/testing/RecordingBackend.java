package io.loomcluster.lb.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a raw socket that parses every byte it receives as strictly as RFC 9112 allows and
 * records what it found: the oracle of the smuggling tests. Whatever a proxy forwards must parse
 * here as whole requests with exactly stated framing (one {@code Content-Length} of digits, or
 * {@code Transfer-Encoding: chunked} with well-formed chunks, never both, no folded or padded
 * header names); anything else is a {@link Violation}. Each request is answered 200 with the target
 * and body length it had, and the connection is kept alive unless the request said close.
 * A connection that ends part-way through a request is counted as truncated, not as a violation:
 * the proxy may give up on a request it began forwarding. Health checks ({@code /health/...}) are
 * answered and not recorded, as are the dashboard's samples of {@code /metrics}.
 */
public final class RecordingBackend implements AutoCloseable {
    /** One request as this backend parsed it. */
    public record Received(int connection, String method, String target, String version,
                           Map<String, List<String>> headers, byte[] body, String framing) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** Bytes on a connection that are not a well-framed request. */
    public record Violation(int connection, String problem, String bytesSoFar) {
    }

    private static final int MAX_LINE = 64 * 1024;
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final ServerSocket server;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Violation> violations = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger truncated = new AtomicInteger();
    private final Thread acceptor;

    private RecordingBackend(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("recording-backend").start(this::accept);
    }

    public static RecordingBackend start() {
        try {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
            return new RecordingBackend(server);
        } catch (IOException e) {
            throw new IllegalStateException("could not listen", e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The requests parsed so far (health checks excluded), in arrival order per connection. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The requests parsed since the last call (health checks excluded), taken out of the record. */
    public List<Received> take() {
        List<Received> taken = new ArrayList<>();
        Received next;
        while ((next = received.poll()) != null) {
            taken.add(next);
        }
        return taken;
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    /** Connections that ended part-way through a request (the proxy gave up on a request it had begun forwarding). */
    public int truncated() {
        return truncated.get();
    }

    /** Forgets what was recorded (between cases that share the backend). */
    public void clear() {
        received.clear();
        violations.clear();
        truncated.set(0);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                int id = connections.incrementAndGet();
                Thread.ofVirtual().name("recording-backend-" + id).start(() -> serve(socket, id));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, int id) {
        try (socket) {
            Reader in = new Reader(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                Received request;
                try {
                    request = read(in, id);
                } catch (Truncated e) {
                    truncated.incrementAndGet();
                    return;
                } catch (Malformed e) {
                    violations.add(new Violation(id, e.getMessage(), in.consumed()));
                    return;
                }
                if (request == null) {
                    return;
                }
                // The balancer's own probes: health checks and the dashboard's samples of /metrics.
                boolean probe = request.target().startsWith("/health/") || request.target().equals("/metrics")
                        || request.target().startsWith("/metrics?");
                if (!probe) {
                    received.add(request);
                }
                String text = request.method() + " " + request.target() + " " + request.body().length;
                byte[] body = request.method().equals("HEAD") ? new byte[0] : text.getBytes(StandardCharsets.US_ASCII);
                boolean close = "close".equalsIgnoreCase(request.header("connection"));
                String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + text.length()
                        + "\r\nX-Oracle-Target: " + request.target() + "\r\nX-Oracle-Body-Length: " + request.body().length
                        + (close ? "\r\nConnection: close" : "") + "\r\n\r\n";
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the proxy closed the connection: whatever it sent was checked as it came
        }
    }

    /** The next whole request, or null at a clean end of the connection (between requests). */
    private static Received read(Reader in, int id) throws IOException {
        in.mark();
        String line = in.line();
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(RecordingBackend::tchar)
                || !parts[1].startsWith("/") || !(parts[2].equals("HTTP/1.1") || parts[2].equals("HTTP/1.0"))) {
            throw new Malformed("not a request line: '" + line + "'");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        while (true) {
            String header = in.line();
            if (header == null) {
                throw new Truncated("connection ended inside the header block");
            }
            if (header.isEmpty()) {
                break;
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new Malformed("header line without a name: '" + header + "'");
            }
            String name = header.substring(0, colon);
            if (!name.chars().allMatch(RecordingBackend::tchar)) {
                throw new Malformed("header name '" + name + "' is not a token (folded line or padding?)");
            }
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(header.substring(colon + 1).strip());
        }
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        byte[] body;
        String framing;
        if (te != null) {
            if (cl != null) {
                throw new Malformed("both Transfer-Encoding and Content-Length");
            }
            if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                throw new Malformed("Transfer-Encoding other than one 'chunked': " + te);
            }
            body = chunked(in);
            framing = "chunked";
        } else if (cl != null) {
            if (cl.size() != 1 || !cl.get(0).matches("[0-9]{1,10}")) {
                throw new Malformed("Content-Length not one number: " + cl);
            }
            long length = Long.parseLong(cl.get(0));
            if (length > MAX_BODY) {
                throw new Malformed("Content-Length too large for the oracle: " + length);
            }
            body = in.bytes((int) length);
            framing = "length";
        } else {
            body = new byte[0];
            framing = "none";
        }
        return new Received(id, parts[0], parts[1], parts[2], headers, body, framing);
    }

    private static byte[] chunked(Reader in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = in.line();
            if (sizeLine == null) {
                throw new Truncated("connection ended inside a chunked body");
            }
            int semicolon = sizeLine.indexOf(';');
            String size = semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon);
            if (!size.matches("[0-9A-Fa-f]{1,8}")) {
                throw new Malformed("bad chunk size line '" + sizeLine + "'");
            }
            int length = Integer.parseInt(size, 16);
            if (body.size() + (long) length > MAX_BODY) {
                throw new Malformed("chunked body too large for the oracle");
            }
            if (length == 0) {
                while (true) {
                    String trailer = in.line();
                    if (trailer == null) {
                        throw new Truncated("connection ended inside the trailer section");
                    }
                    if (trailer.isEmpty()) {
                        return body.toByteArray();
                    }
                    int colon = trailer.indexOf(':');
                    if (colon <= 0 || !trailer.substring(0, colon).chars().allMatch(RecordingBackend::tchar)) {
                        throw new Malformed("bad trailer line '" + trailer + "'");
                    }
                }
            }
            body.writeBytes(in.bytes(length));
            String end = in.line();
            if (end == null || !end.isEmpty()) {
                throw new Malformed("chunk data not followed by CRLF");
            }
        }
    }

    private static boolean tchar(int c) {
        return c > 0x20 && c < 0x7F && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        });
        acceptor.interrupt();
    }

    private static class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    /** The connection ended part-way through a request: the proxy gave up on it (not a violation). */
    private static final class Truncated extends Malformed {
        Truncated(String message) {
            super(message);
        }
    }

    /** Lines that must end in CRLF, and exact byte counts; keeps what the current request consumed. */
    private static final class Reader {
        private final InputStream in;
        private final ByteArrayOutputStream consumed = new ByteArrayOutputStream();

        Reader(InputStream in) {
            this.in = in;
        }

        void mark() {
            consumed.reset();
        }

        String consumed() {
            String text = consumed.toString(StandardCharsets.ISO_8859_1);
            return text.length() > 400 ? text.substring(0, 400) + "…" : text;
        }

        /** A line without its CRLF; null at end of stream before any byte of it; a bare LF is malformed. */
        String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    if (line.size() == 0) {
                        return null;
                    }
                    throw new Truncated("connection ended inside a line");
                }
                consumed.write(b);
                if (b == '\r') {
                    int next = in.read();
                    if (next < 0) {
                        throw new Truncated("connection ended inside a line");
                    }
                    consumed.write(next);
                    if (next != '\n') {
                        throw new Malformed("CR not followed by LF");
                    }
                    return line.toString(StandardCharsets.ISO_8859_1);
                }
                if (b == '\n') {
                    throw new Malformed("bare LF");
                }
                line.write(b);
                if (line.size() > MAX_LINE) {
                    throw new Malformed("line too long");
                }
            }
        }

        byte[] bytes(int count) throws IOException {
            byte[] bytes = in.readNBytes(count);
            if (bytes.length < count) {
                throw new Truncated("connection ended after " + bytes.length + " of " + count + " body bytes");
            }
            if (consumed.size() < 4096) {
                consumed.write(bytes, 0, Math.min(bytes.length, 4096));
            }
            return bytes;
        }
    }
}
