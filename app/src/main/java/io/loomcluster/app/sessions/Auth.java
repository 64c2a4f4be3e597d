package io.loomcluster.app.sessions;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.ClientScheme;
import org.slf4j.MDC;

import java.util.Optional;

/**
 * Reads and writes the {@code SESSION} cookie and resolves it to a session (whose user id joins the
 * log context). The cookie is {@code Secure} with {@code COOKIE_SECURE=true}, and on any request
 * that came over HTTPS ({@link ClientScheme}).
 */
public final class Auth {
    public static final String COOKIE = "SESSION";
    private static final String ATTRIBUTE = "loom.session";

    private final SessionStore sessions;
    private final boolean secureCookie;
    private final ClientScheme scheme;

    public Auth(SessionStore sessions, boolean secureCookie, ClientScheme scheme) {
        this.sessions = sessions;
        this.secureCookie = secureCookie;
        this.scheme = scheme;
    }

    public Optional<Session> current(Context ctx) {
        Session cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Session> session = sessions.find(ctx.cookie(COOKIE));
        session.ifPresent(s -> {
            ctx.attribute(ATTRIBUTE, s);
            MDC.put("userId", Long.toString(s.userId()));
        });
        return session;
    }

    public Session require(Context ctx) {
        return current(ctx).orElseThrow(ApiException::unauthorized);
    }

    public void setCookie(Context ctx, Session session) {
        Cookie cookie = new Cookie(COOKIE, session.id());
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setSecure(secureCookie || scheme.isHttps(ctx));
        cookie.setSameSite(SameSite.LAX);
        ctx.cookie(cookie);
        ctx.attribute(ATTRIBUTE, session);
        MDC.put("userId", Long.toString(session.userId()));
    }

    public void clearCookie(Context ctx) {
        Cookie cookie = new Cookie(COOKIE, "");
        cookie.setPath("/");
        cookie.setMaxAge(0);
        cookie.setHttpOnly(true);
        cookie.setSecure(secureCookie || scheme.isHttps(ctx));
        cookie.setSameSite(SameSite.LAX);
        ctx.cookie(cookie);
    }
}
