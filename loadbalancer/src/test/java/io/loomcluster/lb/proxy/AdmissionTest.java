package io.loomcluster.lb.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Admission}'s verdicts, each rule on its own. */
class AdmissionTest {
    private static final ForwardedHeaders.Client CLIENT = ForwardedHeaders.Client.of("192.0.2.10", false, false);

    private static Verdict decide(Map<String, String> settings, HttpRequest request) {
        try (DataPath path = new DataPath(settings)) {
            return new Admission(path.loop.services).decide(request, RequestPath.of(request.uri()), CLIENT, false);
        }
    }

    private static HttpRequest get(String uri) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set("Host", "lb");
        return request;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/rooms/1/events", "/api/rooms/1/%65vents", "//api/rooms/1/events/", "/api/x/../rooms/1/events",
            "/api/rooms/1;v=1/events"})
    void routesDecideOnThePathAsTheAppRoutesIt(String target) {
        Verdict verdict = decide(Map.of("LB_ROUTES", "streams: /api/rooms/*/events; api: /"), get(target));
        assertThat(verdict).isInstanceOf(Verdict.Forward.class);
        assertThat(((Verdict.Forward) verdict).pool().name()).isEqualTo("streams");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/health/../api/session", "/health/live/../../api/session", "/health/x", "/api/session"})
    void overPlainHttpOnlyTheHealthProbesThemselvesAreServedAndTheRestRedirected(String target) {
        Map<String, String> tls = Map.of("LB_TLS_CERT", "/nonexistent/cert.pem", "LB_TLS_KEY", "/nonexistent/key.pem",
                "LB_HTTPS_REDIRECT", "true");
        assertThat(decide(tls, get(target))).isInstanceOf(Verdict.Redirect.class);
        assertThat(decide(tls, get("/health/ready"))).isInstanceOf(Verdict.Forward.class);
        assertThat(decide(tls, get("/health/live"))).isInstanceOf(Verdict.Forward.class);
    }

    @Test
    void framingThatCannotBeStatedExactlyIsRefused() {
        HttpRequest http10Chunked = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.POST, "/x");
        http10Chunked.headers().set("Transfer-Encoding", "chunked");
        HttpRequest gzipChunked = get("/x");
        gzipChunked.headers().set("Transfer-Encoding", "gzip, chunked");
        HttpRequest twoLengths = get("/x");
        twoLengths.headers().add("Content-Length", "5").add("Content-Length", "5");

        for (HttpRequest request : new HttpRequest[] {http10Chunked, gzipChunked, twoLengths}) {
            Verdict verdict = decide(Map.of(), request);
            assertThat(verdict).isInstanceOf(Verdict.Refuse.class);
            assertThat(((Verdict.Refuse) verdict).status()).isEqualTo(400);
            assertThat(((Verdict.Refuse) verdict).close()).isTrue();
        }
    }

    @Test
    void internalPathsAndUnroutedRequestsAreRefusedKeepingTheConnection() {
        Verdict metrics = decide(Map.of(), get("/%6Detrics"));
        assertThat(metrics).isEqualTo(Verdict.Refuse.keeping(404, ((Verdict.Refuse) metrics).detail(), null));
        Verdict unrouted = decide(Map.of("LB_ROUTES", "api: /api"), get("/other"));
        assertThat(((Verdict.Refuse) unrouted).status()).isEqualTo(404);
        assertThat(((Verdict.Refuse) unrouted).close()).isFalse();
    }
}
