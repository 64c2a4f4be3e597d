package io.loomcluster.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One user of the API: holds the {@code SESSION} cookie like a browser (the login's, replaced when
 * the server sets a new one) and sends it with every call. The typed calls throw
 * {@link ApiException} for an unexpected answer, and retry idempotent calls by the client's
 * {@link RetryPolicy}; {@link #send} is the low-level call that never throws. Thread-safe.
 */
public final class Session {
    private final LoomClient client;
    private volatile String cookie;
    private volatile User user;

    Session(LoomClient client) {
        this.client = client;
    }

    public LoomClient client() {
        return client;
    }

    /** The same user, with the same cookie, talking to another base URL (another instance). */
    public Session on(URI otherBase) {
        Session copy = new Session(client.at(otherBase));
        copy.cookie = cookie;
        copy.user = user;
        return copy;
    }

    public Optional<String> cookie() {
        return Optional.ofNullable(cookie);
    }

    /** Acts with this session id from now on (one taken from another session, or a forged one). */
    public void useCookie(String sessionId) {
        this.cookie = sessionId;
    }

    /** Forgets the session id, as a browser does when its cookie is cleared. */
    public void forgetCookie() {
        this.cookie = null;
    }

    /** The logged-in user, or null before a login. */
    public User user() {
        return user;
    }

    public String username() {
        return user == null ? null : user.username();
    }

    public long userId() {
        return user == null ? 0 : user.id();
    }

    // ---- low level

    /** Sends once with this session's cookie; never throws for a failed request. */
    public Reply send(Request request) {
        return client.send(request, cookie, this::setCookie);
    }

    /** Sends with the client's retry policy; each attempt's reply also goes to {@code attempts}. */
    public Reply sendRetrying(Request request, RetryPolicy policy, Consumer<Reply> attempts) {
        return client.send(request, cookie, this::setCookie, policy, attempts);
    }

    public Reply get(String pathAndQuery) {
        return send(Request.get(pathAndQuery));
    }

    /** A POST of a JSON body, with extra headers as name, value pairs. */
    public Reply post(String path, String json, String... headers) {
        Request request = Request.post(path).json(json);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A POST without a body (joining a room). */
    public Reply postEmpty(String path) {
        return send(Request.post(path));
    }

    public Reply delete(String path) {
        return send(Request.delete(path));
    }

    /** A PATCH of a JSON body. */
    public Reply patch(String path, String json) {
        return send(Request.of("PATCH", path).json(json));
    }

    private void setCookie(String value) {
        cookie = value.isEmpty() ? null : value;
    }

    private Reply call(Request request) {
        return sendRetrying(request, client.retryPolicy(), reply -> { });
    }

    private static Reply expect(String what, Reply reply, int status) {
        if (reply.status() != status) {
            throw new ApiException(what, reply);
        }
        return reply;
    }

    // ---- users and sessions

    /** {@code POST /api/users}: registers a user (without logging in). */
    public User register(String username, String password) {
        return expect("register " + username, send(Request.post("/api/users")
                .json(Json.object("username", username, "password", password))), 201).as(User.class);
    }

    /** {@code POST /api/session}: the low-level login; on 200 this session holds the new cookie. */
    public Reply login(String username, String password) {
        Reply reply = send(Request.post("/api/session").json(Json.object("username", username, "password", password)));
        if (reply.status() == 200) {
            user = reply.as(User.class);
        }
        return reply;
    }

    /** Logs in, or throws {@link ApiException} (401 wrong credentials, 429 with Retry-After, ...). */
    public User logIn(String username, String password) {
        expect("log in " + username, login(username, password), 200);
        return user;
    }

    /** {@code GET /api/session}: who this session belongs to. */
    public User me() {
        return expect("who am I", call(Request.get("/api/session")), 200).as(User.class);
    }

    /** {@code DELETE /api/session}: logs out on every instance. */
    public void logOut() {
        expect("log out", send(Request.delete("/api/session")), 204);
        cookie = null;
    }

    // ---- rooms

    public Room createRoom(String name) {
        return createRoom(name, null);
    }

    public Room createRoom(String name, String topic) {
        String body = topic == null ? Json.object("name", name) : Json.object("name", name, "topic", topic);
        return expect("create room", send(Request.post("/api/rooms").json(body)), 201).as(Room.class);
    }

    public Room room(long roomId) {
        return expect("read room " + roomId, call(Request.get("/api/rooms/" + roomId)), 200).as(Room.class);
    }

    /** Rooms by id; {@code cursor} is null for the first page, then the previous page's {@code next}. */
    public RoomPage rooms(int limit, String cursor) {
        String query = "/api/rooms?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor);
        return expect("list rooms", call(Request.get(query)), 200).as(RoomPage.class);
    }

    public void join(long roomId) {
        expect("join room " + roomId, send(Request.post("/api/rooms/" + roomId + "/members")), 204);
    }

    public void leave(long roomId) {
        expect("leave room " + roomId, send(Request.delete("/api/rooms/" + roomId + "/members")), 204);
    }

    /** {@code POST /api/rooms/{id}/read}: moves the read marker forward to {@code upTo} (never back). */
    public ReadMarker markRead(long roomId, long upTo) {
        return expect("mark room " + roomId + " read", send(Request.post("/api/rooms/" + roomId + "/read")
                .json(Json.object("upTo", upTo))), 200).as(ReadMarker.class);
    }

    // ---- messages

    /** Posts once per call: a fresh {@code Idempotency-Key}, reused by every retry of this post. */
    public Message post(long roomId, String text) {
        return post(roomId, text, UUID.randomUUID().toString());
    }

    /** Posts with the given key; the server stores it once per user and key, however often it is retried. */
    public Message post(long roomId, String text, String idempotencyKey) {
        Request request = Request.post("/api/rooms/" + roomId + "/messages").json(Json.object("text", text));
        if (idempotencyKey != null) {
            request.header(Names.IDEMPOTENCY_KEY, idempotencyKey);
        }
        return expect("post to room " + roomId, call(request), 201).as(Message.class);
    }

    /** {@code PATCH /api/rooms/{id}/messages/{mid}}: replaces the text of one's own message. */
    public Message edit(long roomId, long messageId, String text) {
        return expect("edit message " + messageId, send(Request.of("PATCH", "/api/rooms/" + roomId + "/messages/" + messageId)
                .json(Json.object("text", text))), 200).as(Message.class);
    }

    /** {@code DELETE /api/rooms/{id}/messages/{mid}}: leaves a tombstone. */
    public Message deleteMessage(long roomId, long messageId) {
        return expect("delete message " + messageId, delete("/api/rooms/" + roomId + "/messages/" + messageId), 200)
                .as(Message.class);
    }

    /** Messages with ids above {@code after}, ascending, at most {@code limit}. */
    public MessagePage messages(long roomId, long after, int limit) {
        return poll(roomId, after, limit, 0);
    }

    /** A long-poll: returns as soon as there are messages after {@code after}, or empty after {@code waitSeconds}. */
    public MessagePage poll(long roomId, long after, int limit, int waitSeconds) {
        Request request = Request.get("/api/rooms/" + roomId + "/messages?after=" + after + "&limit=" + limit
                + (waitSeconds > 0 ? "&wait=" + waitSeconds : ""));
        if (waitSeconds > 0) {
            request.timeout(client.timeout().plusSeconds(waitSeconds));
        }
        return expect("read room " + roomId, call(request), 200).as(MessagePage.class);
    }

    /** {@code POST /graphql}: the whole response ({@code data} and {@code errors}). */
    public JsonNode graphql(String query) {
        return expect("graphql", send(Request.post("/graphql").json(Json.object("query", query))), 200).json();
    }

    // ---- live

    /** Server-Sent Events of a room, after {@code lastEventId} (null: from now). The low-level stream. */
    public EventStream events(long roomId, String lastEventId) {
        return events(roomId, lastEventId, false);
    }

    /** The room's events; with {@code everything}, typing, presence and read events too ({@code ?events=all}). */
    public EventStream events(long roomId, String lastEventId, boolean everything) {
        Request request = Request.get("/api/rooms/" + roomId + "/events" + (everything ? "?events=all" : ""));
        if (lastEventId != null) {
            request.header(Names.LAST_EVENT_ID, lastEventId);
        }
        return EventStream.open(client, request, cookie);
    }

    /** Server-Sent Events of this user's notifications, after {@code lastEventId} (null: from now). */
    public EventStream notificationEvents(String lastEventId) {
        Request request = Request.get("/api/notifications/events");
        if (lastEventId != null) {
            request.header(Names.LAST_EVENT_ID, lastEventId);
        }
        return EventStream.open(client, request, cookie);
    }

    /** A WebSocket of a room's messages; {@code pathAndQuery} may carry {@code ?after=}. The low-level socket. */
    public LiveSocket webSocket(String pathAndQuery, boolean reading) {
        return LiveSocket.connect(client, pathAndQuery, cookie, reading);
    }

    /**
     * A subscription that keeps itself connected: it reconnects when the stream ends, resuming after
     * the last message id it delivered, so the listener sees every message once, in order.
     */
    public Subscription subscribe(long roomId, long after, Transport transport, Subscription.Listener listener) {
        return new Subscription(this, roomId, after, transport, listener);
    }
}
