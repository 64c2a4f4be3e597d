package io.loomcluster.lb.proxy;

import io.loomcluster.contract.ClientKeys;
import io.loomcluster.lb.routing.ServicePool;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.util.Set;

/**
 * Why the balancer forwards, refuses or redirects a request: every rule that reads a request's head
 * before any byte of it goes to a backend, in the order they apply. Decided once per request, on its
 * event loop, from the request as the client sent it (before hop-by-hop headers are dropped).
 */
final class Admission {
    /** The probes an orchestrator sends over plain HTTP when everything else is redirected to HTTPS; matched exactly. */
    private static final Set<String> PLAIN_HTTP_PATHS = Set.of("/health/live", "/health/ready");

    private final Services services;

    Admission(Services services) {
        this.services = services;
    }

    /** A request the decoder could not read: always answered and the connection closed. */
    static Verdict.Refuse malformed(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException
                && !(cause instanceof TooLongHttpLineException)) {
            return Verdict.Refuse.closing(431, "request headers exceed the balancer's limit");
        }
        if (cause instanceof TooLongHttpLineException) {
            return Verdict.Refuse.closing(414, "request line is too long");
        }
        String message = cause == null ? null : cause.getMessage();
        return Verdict.Refuse.closing(400, message == null ? "malformed request" : "malformed request: " + message);
    }

    /**
     * The verdict on a request whose head is valid HTTP: {@code client} is who sent it,
     * {@code secure} whether it came over TLS.
     */
    Verdict decide(HttpRequest request, RequestPath path, ForwardedHeaders.Client client, boolean secure) {
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return Verdict.Refuse.closing(505, "HTTP version not supported");
        }
        if (request.method() == HttpMethod.CONNECT) {
            return Verdict.Refuse.closing(405, "CONNECT is not supported: the balancer is not a forward proxy");
        }
        String target = request.uri();
        if (target.isEmpty() || target.charAt(0) != '/' && !target.equals("*")) {
            return Verdict.Refuse.closing(400, "the request target must be a path (origin-form)");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return Verdict.Refuse.closing(400, "the request target is not printable ASCII");
            }
        }
        String framing = BodyPlan.problem(request);
        if (framing != null) {
            return Verdict.Refuse.closing(400, "request framing cannot be forwarded exactly: " + framing);
        }
        BodyPlan body = BodyPlan.of(request);
        if (body.length() > services.limits().maxBodyBytes()) {
            return Verdict.Refuse.closing(413, "request body exceeds the balancer's limit");
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            return Verdict.Refuse.closing(417, "only Expect: 100-continue is supported");
        }
        if (!secure && services.httpsRedirectPort() > 0 && !PLAIN_HTTP_PATHS.contains(path.path())) {
            return new Verdict.Redirect(httpsLocation(request));
        }
        if (InternalPaths.blocked(path)) {
            return Verdict.Refuse.keeping(404, "no route for " + request.method() + " on this path through the balancer; "
                    + "metrics are scraped from each instance directly", null);
        }
        Verdict.Refuse limited = rateLimited(request, client);
        if (limited != null) {
            return limited;
        }
        ServicePool pool = services.router().route(request.headers().get(HttpHeaderNames.HOST), path.path(), path.query());
        if (pool == null) {
            return Verdict.Refuse.keeping(404, "no route matches this request (LB_ROUTES)", null);
        }
        return new Verdict.Forward(pool, body);
    }

    /**
     * {@code LB_RATE_LIMIT}, keyed by the client's real address (behind a trusted proxy, the one it
     * added to X-Forwarded-For; an IPv6 address by its /64); {@code LB_CLIENT_LIMITS_EXEMPT} is not limited.
     */
    private Verdict.Refuse rateLimited(HttpRequest request, ForwardedHeaders.Client client) {
        if (services.rateLimiter() == null) {
            return null;
        }
        String address = client.trusted() ? services.trustedProxies().clientAddress(client.address(),
                ForwardedHeaders.joined(request.headers(), ForwardedHeaders.X_FORWARDED_FOR)) : client.address();
        if (services.limitsExempt().trusts(address)) {
            return null;
        }
        String key = ClientKeys.of(address);
        long wait = services.rateLimiter().acquire(key);
        if (wait == 0) {
            return null;
        }
        return Verdict.Refuse.keeping(429, "too many requests from " + key
                + "; the limit is LB_RATE_LIMIT per client address", Long.toString(wait));
    }

    /** 308 keeps the method and body, so a POST is sent again over HTTPS. */
    private String httpsLocation(HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            host = host.substring(0, colon);
        }
        int port = services.httpsRedirectPort();
        return "https://" + host + (port == 443 ? "" : ":" + port) + request.uri();
    }
}
