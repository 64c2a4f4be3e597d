package io.loomcluster.app.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.contract.TrustedProxies;

import java.util.Locale;

/**
 * The scheme the client used: the connection's own, or {@code X-Forwarded-Proto} when the peer is a
 * trusted proxy ({@code TRUSTED_PROXIES}; the balancer's TLS port forwards {@code https}). Over
 * HTTPS every answer carries {@code Strict-Transport-Security} and session cookies are {@code Secure}.
 */
public final class ClientScheme {
    static final String HSTS = "max-age=31536000";

    private final TrustedProxies trustedProxies;

    public ClientScheme(TrustedProxies trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    public void register(RoutesConfig routes) {
        routes.before(ctx -> {
            if (isHttps(ctx)) {
                ctx.header("Strict-Transport-Security", HSTS);
            }
        });
    }

    /** {@code http} or {@code https}, lower case. */
    public String of(Context ctx) {
        String scheme = ctx.scheme();
        if (trustedProxies.trusts(ctx.req().getRemoteAddr())) {
            String forwarded = ctx.header("X-Forwarded-Proto");
            if (forwarded != null && !forwarded.isBlank()) {
                scheme = forwarded.split(",", 2)[0].trim();
            }
        }
        return scheme.toLowerCase(Locale.ROOT);
    }

    public boolean isHttps(Context ctx) {
        return of(ctx).equals("https");
    }
}
