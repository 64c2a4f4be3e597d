package io.loomcluster.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Bytes on a socket, for requests no well-behaved client would send (smuggling, trickling, framing
 * a client library refuses to produce). Everything else goes through the client library.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** Sends the request and reads until the server closes; fails if that takes longer than {@code timeout}. */
    public static String exchange(int port, String request, Duration timeout) {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return readUntilClosed(socket, timeout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    /** Everything the server sends until it closes the connection; a reset counts as closed. */
    public static String readUntilClosed(Socket socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("no end of response within " + timeout + "; got so far: "
                        + out.toString(StandardCharsets.ISO_8859_1));
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (java.net.SocketException e) {
                return out.toString(StandardCharsets.ISO_8859_1);
            }
            if (n < 0) {
                return out.toString(StandardCharsets.ISO_8859_1);
            }
            out.write(buffer, 0, n);
        }
    }

    /** Everything the server sends back for {@code request}, waiting at most 10 s for it to close. */
    public static String exchange(int port, String request) {
        return exchange(port, request, Duration.ofSeconds(10));
    }

    /** The status code of a raw response, or -1 when there was none. */
    public static int status(String response) {
        if (!response.startsWith("HTTP/1.1 ") || response.length() < 12) {
            return -1;
        }
        return Integer.parseInt(response.substring(9, 12));
    }
}
