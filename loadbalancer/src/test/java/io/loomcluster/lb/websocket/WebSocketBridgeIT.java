package io.loomcluster.lb.websocket;

import io.loomcluster.testing.Await;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.Balancer;
import io.loomcluster.lb.testing.Http;
import io.loomcluster.lb.testing.Processes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebSockets through the balancer: upgrade with cookies and query, frames both ways, close codes. */
class WebSocketBridgeIT {
    private static BackendProcess a;
    private static BackendProcess b;
    private static Balancer balancer;

    @BeforeAll
    static void start() {
        var backends = Processes.backends("ws-a", "ws-b");
        a = backends.get(0);
        b = backends.get(1);
        balancer = Processes.balancer("ws-lb", Map.of("LB_BACKENDS", a.url() + "," + b.url()));
        balancer.awaitState(a, "healthy");
        balancer.awaitState(b, "healthy");
    }

    @AfterAll
    static void stop() {
        balancer.close();
        a.close();
        b.close();
    }

    @Test
    void echoesThroughTheBalancerAndTheClientsCloseCodeReachesTheBackend() throws Exception {
        Frames frames = new Frames();
        WebSocket socket = connect(frames);
        String opened = frames.next();
        assertThat(opened).matches("open ws-[ab] query=room=7 cookie=SESSION=abc123");
        BackendProcess origin = opened.startsWith("open ws-a") ? a : b;

        socket.sendText("hello", true).join();
        assertThat(frames.next()).isEqualTo("hello");
        socket.sendText("x".repeat(50_000), true).join();
        assertThat(frames.next()).hasSize(50_000);

        socket.sendClose(4001, "client done").join();
        assertThat(frames.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4001);
        Await.until("the backend to see close code 4001", Duration.ofSeconds(10),
                () -> origin.stats().get("lastClientClose").asInt() == 4001);
    }

    @Test
    void theBackendsCloseCodeReachesTheClient() throws Exception {
        Frames frames = new Frames();
        WebSocket socket = connect(frames);
        assertThat(frames.next()).startsWith("open ");
        socket.sendText("close:4002", true).join();
        assertThat(frames.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4002);
    }

    @Test
    void upgradeToAPathTheBackendRejectsGetsTheBackendsStatus() {
        CompletableFuture<WebSocket> upgrade = Http.CLIENT.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + balancer.port() + "/not-a-socket"), new Frames());
        assertThatThrownBy(upgrade::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(404));
    }

    private static WebSocket connect(Frames frames) {
        return Http.CLIENT.newWebSocketBuilder()
                .header("Cookie", "SESSION=abc123")
                .buildAsync(URI.create("ws://127.0.0.1:" + balancer.port() + "/ws?room=7"), frames)
                .join();
    }

    /** Collects whole text messages and the close code the client receives. */
    private static final class Frames implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        String next() throws InterruptedException {
            String message = messages.poll(10, TimeUnit.SECONDS);
            if (message == null) {
                throw new AssertionError("no WebSocket message within 10 s");
            }
            return message;
        }
    }
}
