package io.loomcluster.lb.websocket;

import io.loomcluster.client.LiveSocket;
import io.loomcluster.client.Session;
import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebSockets through the balancer: upgrade with cookies and query, frames both ways, close codes. */
class WebSocketBridgeIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final BalancerFixture lb = BalancerFixture.shared();

    @BeforeAll
    static void bothBackendsRouted() {
        lb.awaitHealthy();
    }

    /** The balancer is shared by the run: what this class sent must not have leaked a buffer. */
    @AfterAll
    static void noBufferLeaked() {
        lb.balancer().assertNoLeaks();
    }

    private static LiveSocket connect(String path) {
        Session session = lb.client().anonymous();
        session.useCookie("abc123");
        return session.webSocket(path, true);
    }

    @Test
    void echoesThroughTheBalancerAndTheClientsCloseCodeReachesTheBackend() throws Exception {
        LiveSocket socket = connect("/ws?room=7");
        String opened = socket.next(WAIT);
        assertThat(opened).matches("open (" + lb.a().id() + "|" + lb.b().id() + ") query=room=7 cookie=SESSION=abc123");
        BackendProcess origin = opened.startsWith("open " + lb.a().id()) ? lb.a() : lb.b();

        socket.socket().sendText("hello", true).join();
        assertThat(socket.next(WAIT)).isEqualTo("hello");
        socket.socket().sendText("x".repeat(50_000), true).join();
        assertThat(socket.next(WAIT)).hasSize(50_000);

        socket.close(4001, "client done");
        assertThat(socket.closed().get(10, TimeUnit.SECONDS).code()).isEqualTo(4001);
        Await.until("the backend to see close code 4001", Duration.ofSeconds(10),
                () -> origin.stats().get("lastClientClose").asInt() == 4001);
    }

    @Test
    void theBackendsCloseCodeReachesTheClient() throws Exception {
        LiveSocket socket = connect("/ws?room=7");
        assertThat(socket.next(WAIT)).startsWith("open ");
        socket.socket().sendText("close:4002", true).join();
        assertThat(socket.closed().get(10, TimeUnit.SECONDS).code()).isEqualTo(4002);
    }

    @Test
    void upgradeToAPathTheBackendRejectsGetsTheBackendsStatus() {
        assertThatThrownBy(() -> connect("/not-a-socket")).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(404));
    }
}
