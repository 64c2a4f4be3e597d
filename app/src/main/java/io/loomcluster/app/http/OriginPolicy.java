package io.loomcluster.app.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.contract.TrustedProxies;

import java.util.Optional;
import java.util.Set;

/**
 * Cross-site request defence and the CORS policy. A state-changing API request (POST, PUT, PATCH,
 * DELETE under {@code /api/} or {@code /graphql}) that carries an {@code Origin} other than the
 * request's own origin, and not listed in {@code ALLOWED_ORIGINS}, is refused with 403 before any
 * handler runs; so is a WebSocket upgrade with such an Origin, whatever its path. CORS headers are
 * sent only to listed origins; with none listed there are none.
 */
public final class OriginPolicy {
    private static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE";
    private static final String ALLOWED_HEADERS = "Content-Type, Idempotency-Key, X-Request-Id, Last-Event-ID";

    private final Set<String> allowedOrigins;
    private final TrustedProxies trustedProxies;
    private final ClientScheme scheme;

    public OriginPolicy(Set<String> allowedOrigins, TrustedProxies trustedProxies) {
        this.allowedOrigins = Set.copyOf(allowedOrigins);
        this.trustedProxies = trustedProxies;
        this.scheme = new ClientScheme(trustedProxies);
    }

    public void register(RoutesConfig routes) {
        // Matched by the router: the check covers a route in every spelling the router serves it under.
        routes.beforeMatched(this::check);
        // An upgrade carries the SameSite=Lax cookie from a sibling subdomain: same rule as a POST.
        routes.wsBeforeUpgrade(this::checkUpgrade);
        if (!allowedOrigins.isEmpty()) {
            routes.options("/api/*", this::preflight);
            routes.options("/graphql", this::preflight);
        }
    }

    private void check(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !ApiRoutes.matched(ctx)) {
            return;
        }
        Optional<String> normalised = Origins.normalise(origin);
        boolean listed = normalised.filter(allowedOrigins::contains).isPresent();
        if (listed) {
            ctx.header("Access-Control-Allow-Origin", normalised.get());
            ctx.header("Access-Control-Allow-Credentials", "true");
            ctx.header("Vary", "Origin");
        }
        if (!STATE_CHANGING.contains(ctx.method().name()) || listed) {
            return;
        }
        refuseUnlessOwn(ctx, origin, normalised);
    }

    private void checkUpgrade(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return;
        }
        Optional<String> normalised = Origins.normalise(origin);
        if (normalised.filter(allowedOrigins::contains).isEmpty()) {
            refuseUnlessOwn(ctx, origin, normalised);
        }
    }

    private void refuseUnlessOwn(Context ctx, String origin, Optional<String> normalised) {
        if (normalised.isEmpty() || !normalised.equals(ownOrigin(ctx))) {
            throw ApiException.forbidden("cross-origin request refused: Origin '" + abbreviate(origin)
                    + "' is neither this site nor one of ALLOWED_ORIGINS");
        }
    }

    private void preflight(Context ctx) {
        Optional<String> origin = Optional.ofNullable(ctx.header("Origin")).flatMap(Origins::normalise);
        if (origin.isEmpty() || !allowedOrigins.contains(origin.get())) {
            throw ApiException.forbidden("cross-origin request refused: this origin is not one of ALLOWED_ORIGINS");
        }
        ctx.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
        ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
    }

    /** scheme://host[:port] the client used: from the balancer's forwarding headers when it is trusted, else Host. */
    Optional<String> ownOrigin(Context ctx) {
        String host = ctx.header("Host");
        if (trustedProxies.trusts(ctx.req().getRemoteAddr())) {
            host = first(ctx.header("X-Forwarded-Host")).orElse(host);
        }
        if (host == null || host.isBlank()) {
            return Optional.empty();
        }
        return Origins.normalise(scheme.of(ctx) + "://" + host.trim());
    }

    private static Optional<String> first(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(header.split(",", 2)[0].trim());
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "…";
    }
}
