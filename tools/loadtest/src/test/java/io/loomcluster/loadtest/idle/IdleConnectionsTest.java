package io.loomcluster.loadtest.idle;

import com.sun.net.httpserver.HttpServer;
import io.loomcluster.loadtest.cli.UsageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against the JDK's HTTP server on loopback: every connection served once, then still open for more. */
class IdleConnectionsTest {
    private HttpServer server;
    private final AtomicInteger served = new AtomicInteger();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            served.incrementAndGet();
            clientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] body = "hello, world\n".getBytes(StandardCharsets.US_ASCII);
            if (exchange.getRequestURI().getPath().equals("/close")) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void eachConnectionHasOneAnsweredRequestAndStaysOpenForAnother() throws IOException {
        try (IdleConnections idle = IdleConnections.open(settings("/", 5))) {
            assertThat(served).hasValue(5);
            assertThat(clientPorts).hasSize(5);

            // Still kept alive: a second request on any of them is answered on the same connection.
            Socket first = idle.sockets().getFirst();
            first.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            IdleConnections.readAnswer(first.getInputStream(), 0);
            assertThat(served).hasValue(6);
            assertThat(clientPorts).hasSize(5);
        }
    }

    @Test
    void aServerThatClosesAfterItsAnswerIsReported() {
        assertThatThrownBy(() -> IdleConnections.open(settings("/close", 2)))
                .isInstanceOf(IOException.class).hasMessageContaining("no keep-alive");
    }

    @Test
    void optionsNameWhatIsWrong() {
        assertThat(IdleConnections.Settings.parse(new String[] {"--url", "http://127.0.0.1:9/x"}).connections())
                .isEqualTo(10_000);
        assertThatThrownBy(() -> IdleConnections.Settings.parse(new String[0]))
                .isInstanceOf(UsageException.class).hasMessage("idle needs --url");
        assertThatThrownBy(() -> IdleConnections.Settings.parse(new String[] {"--url", "http://h:1", "--connections", "0"}))
                .hasMessage("--connections must be 1-1000000, got 0");
        assertThatThrownBy(() -> IdleConnections.Settings.parse(new String[] {"--url", "ftp://h:1"}))
                .hasMessageStartingWith("--url must be http://");
    }

    private IdleConnections.Settings settings(String path, int connections) {
        return new IdleConnections.Settings(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path),
                connections);
    }
}
