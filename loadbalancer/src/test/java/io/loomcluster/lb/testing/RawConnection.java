package io.loomcluster.lb.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client connection that writes any bytes and reads the answers one response at a time (framed
 * by Content-Length, chunked, or the end of the connection), so that a test can send pipelined or
 * malformed requests on a keep-alive connection and see each answer.
 */
public final class RawConnection implements AutoCloseable {
    /** One response; {@code headers} by lower-case name (the last value when repeated). */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public boolean closes() {
            return "close".equalsIgnoreCase(header("connection"));
        }
    }

    private final Socket socket;
    private final InputStream in;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
    }

    public static RawConnection open(String host, int port, Duration timeout) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout((int) timeout.toMillis());
            return new RawConnection(socket);
        } catch (IOException e) {
            throw new IllegalStateException("could not connect to " + host + ":" + port, e);
        }
    }

    /** A connection from a local address of the test's choosing (another loopback address stands for another client). */
    public static RawConnection from(String localAddress, int port) {
        try {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(20_000);
            return new RawConnection(socket);
        } catch (IOException e) {
            throw new IllegalStateException("could not connect from " + localAddress, e);
        }
    }

    public static RawConnection open(int port) {
        return open("127.0.0.1", port, Duration.ofSeconds(20));
    }

    public RawConnection send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawConnection send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            // The server may have answered and closed already; the answer is still read below.
            return this;
        }
    }

    /**
     * The next response, or null when the connection ended (or was reset) before one began. A
     * response to HEAD is read as having no body when {@code head} is true.
     */
    public Response read(boolean head) {
        try {
            String statusLine = line();
            if (statusLine == null) {
                return null;
            }
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new AssertionError("not a status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            String header;
            while ((header = line()) != null && !header.isEmpty()) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            if (status < 200) {
                return read(head);
            }
            String body;
            if (head || status == 204 || status == 304) {
                body = "";
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = chunked();
            } else if (headers.containsKey("content-length")) {
                body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.ISO_8859_1);
            } else {
                body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            return new Response(status, headers, body);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no response in time", e);
        } catch (IOException e) {
            return null;
        }
    }

    public Response read() {
        return read(false);
    }

    /** True when the server closed the connection (reads the end, so call it only when nothing else is expected). */
    public boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private String chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int semicolon = size.indexOf(';');
            int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (length == 0) {
                String trailer;
                while ((trailer = line()) != null && !trailer.isEmpty()) {
                    // trailers are not kept
                }
                return body.toString(StandardCharsets.ISO_8859_1);
            }
            body.writeBytes(in.readNBytes(length));
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
