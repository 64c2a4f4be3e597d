package io.loomcluster.loadtest.idle;

import io.loomcluster.loadtest.cli.UsageException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code loadtest idle --url URL [--connections N]}: opens N HTTP/1.1 keep-alive connections, sends
 * one GET on each and reads its whole answer (a served, kept-alive connection, as a browser's idle
 * tab holds one), then holds them all open and silent until the process is stopped. It prints
 * {@code holding N} once all are open; {@code scripts/bench-lb --idle} then measures the balancer's
 * heap and RSS. Raw sockets, because an HTTP client pools and closes connections as it likes.
 */
public final class IdleConnections implements AutoCloseable {
    public static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    public static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    /** Where to connect and how many connections to hold. */
    public record Settings(URI url, int connections) {
        public static Settings parse(String[] args) {
            URI url = null;
            int connections = 10_000;
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length || !(name.equals("--url") || name.equals("--connections"))) {
                    throw new UsageException("idle takes --url URL and --connections N; got " + name);
                }
                String value = args[++i];
                if (name.equals("--url")) {
                    url = URI.create(value);
                    if (!"http".equals(url.getScheme()) || url.getHost() == null) {
                        throw new UsageException("--url must be http://host:port[/path], got " + value);
                    }
                } else {
                    try {
                        connections = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        connections = 0;
                    }
                    if (connections < 1 || connections > 1_000_000) {
                        throw new UsageException("--connections must be 1-1000000, got " + value);
                    }
                }
            }
            if (url == null) {
                throw new UsageException("idle needs --url");
            }
            return new Settings(url, connections);
        }
    }

    private final List<Socket> held;

    private IdleConnections(List<Socket> held) {
        this.held = held;
    }

    /** Opens every connection with its one request answered; throws when one cannot be made so. */
    public static IdleConnections open(Settings settings) throws IOException {
        URI url = settings.url();
        int port = url.getPort() < 0 ? 80 : url.getPort();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + url.getRawAuthority() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<Socket> held = new ArrayList<>(settings.connections());
        try {
            for (int i = 0; i < settings.connections(); i++) {
                Socket socket = new Socket();
                held.add(socket);
                socket.connect(new InetSocketAddress(url.getHost(), port), CONNECT_TIMEOUT_MILLIS);
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                socket.getOutputStream().write(request);
                readAnswer(socket.getInputStream(), i);
            }
        } catch (IOException | RuntimeException e) {
            closeAll(held);
            throw e;
        }
        return new IdleConnections(held);
    }

    public List<Socket> sockets() {
        return List.copyOf(held);
    }

    /** Reads one response with a {@code Content-Length} body, and checks that it keeps the connection. */
    static void readAnswer(InputStream in, int index) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int headerEnd = -1;
        long expected = -1;
        while (expected < 0 || received.size() < expected) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("connection " + index + " closed before its answer was complete ("
                        + received.size() + " bytes read)");
            }
            received.write(buffer, 0, n);
            if (headerEnd < 0 && (headerEnd = indexOf(received.toByteArray(), HEADER_END)) >= 0) {
                String head = received.toString(StandardCharsets.ISO_8859_1).substring(0, headerEnd);
                if (head.toLowerCase(Locale.ROOT).contains("\nconnection: close")) {
                    throw new IOException("connection " + index + ": the server closes it after the answer; no keep-alive");
                }
                Matcher length = CONTENT_LENGTH.matcher(head);
                if (!length.find()) {
                    throw new IOException("connection " + index + ": an answer without Content-Length: "
                            + head.lines().findFirst().orElse(""));
                }
                expected = headerEnd + HEADER_END.length + Long.parseLong(length.group(1));
            }
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all that is left to do
            }
        }
    }

    @Override
    public void close() {
        closeAll(held);
    }

    /** The command: open, print {@code holding N}, then hold until the process is stopped. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Settings settings = Settings.parse(args);
        IdleConnections connections;
        try {
            connections = open(settings);
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(connections::close, "idle-connections-close"));
        out.println("holding " + connections.held.size());
        out.flush();
        try {
            // Holding is the job: nothing to do until SIGTERM or Ctrl-C ends the process.
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
