package io.loomcluster.app.sessions;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.JsonBody;
import io.loomcluster.app.users.RegistrationLimiter;
import io.loomcluster.app.users.User;
import io.loomcluster.app.users.UserService;
import io.loomcluster.contract.ClientKeys;
import io.loomcluster.contract.TrustedProxies;

import java.util.function.ToLongFunction;


/**
 * {@code /api/users} and {@code /api/session}: register, log in (rotating the id), who am I, log out
 * (this session, or with {@code ?scope=all} every session of the user).
 */
public final class SessionRoutes {
    record Credentials(String username, String password) {
    }

    /** Who is logged in, with their count of unread notifications. */
    record Me(long id, String username, long unreadNotifications) {
    }

    private final UserService users;
    private final SessionStore sessions;
    private final Auth auth;
    private final LoginRateLimiter limiter;
    private final RegistrationLimiter registrations;
    private final TrustedProxies trustedProxies;
    private final JsonBody body;
    private final ToLongFunction<Long> unreadNotifications;

    /** {@code unreadNotifications} counts a user's unread notifications (by user id). */
    public SessionRoutes(UserService users, SessionStore sessions, Auth auth, LoginRateLimiter limiter,
                         RegistrationLimiter registrations, TrustedProxies trustedProxies, JsonBody body,
                         ToLongFunction<Long> unreadNotifications) {
        this.unreadNotifications = unreadNotifications;
        this.users = users;
        this.sessions = sessions;
        this.auth = auth;
        this.limiter = limiter;
        this.registrations = registrations;
        this.trustedProxies = trustedProxies;
        this.body = body;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/users", this::register);
        routes.post("/api/session", this::login);
        routes.get("/api/session", this::me);
        routes.delete("/api/session", this::logout);
    }

    private void register(Context ctx) {
        Credentials credentials = body.read(ctx, Credentials.class);
        UserService.validUsername(credentials.username());
        UserService.validPassword(credentials.password());
        registrations.checkAttempt(clientKey(ctx));
        User user = users.register(credentials.username(), credentials.password());
        ctx.status(201).json(user);
    }

    private void login(Context ctx) {
        Credentials credentials = body.read(ctx, Credentials.class);
        String username = UserService.validUsername(credentials.username());
        UserService.validPassword(credentials.password());
        LoginRateLimiter.Attempt attempt = limiter.checkAttempt(username, clientKey(ctx));
        User user = users.authenticate(username, credentials.password())
                .orElseThrow(() -> new ApiException(401, "Login failed", "wrong username or password"));
        attempt.succeeded();
        // Rotate: whatever session the client came with is dropped, and a new id is issued (no fixation).
        sessions.delete(ctx.cookie(Auth.COOKIE));
        auth.setCookie(ctx, sessions.create(user.id(), user.username()));
        ctx.json(user);
    }

    private void me(Context ctx) {
        Session session = auth.require(ctx);
        ctx.json(new Me(session.userId(), session.username(), unreadNotifications.applyAsLong(session.userId())));
    }

    private void logout(Context ctx) {
        String scope = ctx.queryParam("scope");
        if (scope != null && !scope.equals("all")) {
            throw ApiException.badRequest("scope must be 'all' (every session of the user) or absent (this session)");
        }
        auth.current(ctx).ifPresent(session -> {
            if (scope == null) {
                sessions.delete(session.id());
            } else {
                sessions.deleteAll(session.userId());
            }
        });
        auth.clearCookie(ctx);
        ctx.status(204);
    }

    /** Who the client is for the limits: its address (behind a trusted proxy, the forwarded one), IPv6 by /64. */
    private String clientKey(Context ctx) {
        return ClientKeys.of(trustedProxies.clientAddress(ctx.req().getRemoteAddr(), ctx.header("X-Forwarded-For")));
    }

}
