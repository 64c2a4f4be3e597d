package io.loomcluster.generated;

import io.loomcluster.generated.api.MessagesApi;
import io.loomcluster.generated.api.RoomsApi;
import io.loomcluster.generated.api.SessionApi;
import io.loomcluster.generated.api.UsersApi;
import io.loomcluster.generated.model.Credentials;
import io.loomcluster.generated.model.Message;
import io.loomcluster.generated.model.NewMessage;
import io.loomcluster.generated.model.NewRoom;
import io.loomcluster.generated.model.Room;
import io.loomcluster.generated.model.User;
import io.loomcluster.testing.TestCluster;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client openapi-generator makes from the contract (java, native: the JDK HttpClient), against
 * real app instances: what a user who generates a client gets working, including the session cookie
 * and an idempotent post retried on another instance.
 */
class GeneratedClientIT {
    private final TestCluster cluster = TestCluster.shared();

    @Test
    void registerLogInCreateARoomPostWithAnIdempotencyKeyAndReadItBack() throws ApiException {
        ApiClient a = client(cluster.appUrl(0), new CookieManager());
        String username = "gen_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        Credentials credentials = new Credentials().username(username).password("correct horse");

        User registered = new UsersApi(a).register(credentials, null, null);
        User loggedIn = new SessionApi(a).logIn(credentials, null, null);
        assertThat(loggedIn.getId()).isEqualTo(registered.getId());
        assertThat(new SessionApi(a).me(null).getUsername()).isEqualTo(username);

        Room room = new RoomsApi(a).createRoom(new NewRoom().name("generated"), null, null);
        String key = UUID.randomUUID().toString();
        Message first = new MessagesApi(a).postMessage(room.getId(), new NewMessage().text("hello"), null, null, key);
        // The same post retried on the other instance, the same session: stored once.
        CookieManager shared = (CookieManager) a.getHttpClient().cookieHandler().orElseThrow();
        ApiClient b = client(cluster.appUrl(1), shared);
        copyCookies(shared, cluster.appUrl(0), cluster.appUrl(1));
        Message retried = new MessagesApi(b).postMessage(room.getId(), new NewMessage().text("hello"), null, null, key);

        assertThat(retried.getId()).isEqualTo(first.getId());
        var page = new MessagesApi(b).listMessages(room.getId(), null, 0L, 50, null);
        assertThat(page.getItems()).extracting(Message::getText).containsExactly("hello");
        assertThat(page.getItems().getFirst().getUsername()).isEqualTo(username);
    }

    @Test
    void aRefusalIsAnApiExceptionCarryingTheProblem() {
        ApiClient anonymous = client(cluster.appUrl(0), new CookieManager());

        assertThatThrownBy(() -> new SessionApi(anonymous).me(null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(401);
                    assertThat(e.getResponseBody()).contains("\"type\":\"/problems/not-logged-in\"");
                });
    }

    private static ApiClient client(URI base, CookieManager cookies) {
        ApiClient client = new ApiClient();
        client.setHttpClientBuilder(HttpClient.newBuilder().cookieHandler(cookies));
        client.updateBaseUri(base.toString());
        return client;
    }

    /** Instances on other ports are other cookie origins for the JDK; the cluster shares one session. */
    private static void copyCookies(CookieManager cookies, URI from, URI to) {
        cookies.getCookieStore().get(from).forEach(c -> cookies.getCookieStore().add(to, c));
    }
}
