package io.loomcluster.app.security;

import io.loomcluster.client.Names;
import io.loomcluster.client.Session;
import io.loomcluster.testing.TestCluster;
import io.loomcluster.testing.TestUsers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A WebSocket upgrade is a cross-site request like a POST: the browser sends the SameSite=Lax cookie
 * from a sibling subdomain, so an Origin other than the request's own is refused before the upgrade.
 */
class WebSocketOriginIT {
    private static final TestCluster cluster = TestCluster.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void anUpgradeFromAnotherOriginIsRefusedWith403() {
        URI base = cluster.appUrl(0);
        Session user = TestUsers.signUp(base, "wsorigin");
        long room = user.createRoom("ws origin").id();

        for (String origin : new String[] {"https://evil.example", "http://sibling.127.0.0.1:" + base.getPort(), "null"}) {
            assertThatThrownBy(() -> upgrade(base, user, room, origin))
                    .as(origin)
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                            .isEqualTo(403));
        }
    }

    @Test
    void anUpgradeFromTheSameOriginOrWithoutOriginIsAccepted() {
        URI base = cluster.appUrl(0);
        Session user = TestUsers.signUp(base, "wssame");
        long room = user.createRoom("ws same").id();

        upgrade(base, user, room, "http://127.0.0.1:" + base.getPort()).abort();
        upgrade(base, user, room, null).abort();
    }

    private static WebSocket upgrade(URI base, Session user, long room, String origin) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .header("Cookie", Names.SESSION_COOKIE + "=" + user.cookie().orElseThrow());
        if (origin != null) {
            builder.header("Origin", origin);
        }
        return builder.buildAsync(URI.create("ws://" + base.getRawAuthority() + "/api/rooms/" + room + "/ws"),
                new WebSocket.Listener() { }).join();
    }
}
