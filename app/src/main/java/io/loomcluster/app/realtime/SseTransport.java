package io.loomcluster.app.realtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.InFlightLimiter;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code GET /api/rooms/{id}/events}: Server-Sent Events of a room's changes (new, edited and
 * deleted messages, each with its position as the event id), replayed from {@code Last-Event-ID}
 * or {@code after}, and its ephemeral events (typing, presence, the user's read marker). Each stream writes from its own (virtual) request thread,
 * blocking: what is queued, then one flush; a {@code : ping} comment when idle for a heartbeat; an
 * {@code event: close} with the reason when the subscription ends (left the room, shutdown). Every
 * SSE route writes through {@link #serve} ({@link NotificationSse} too).
 */
public final class SseTransport {
    private static final Logger log = LoggerFactory.getLogger(SseTransport.class);
    private static final int BATCH_BYTES = 64 * 1024;

    private final LiveRooms live;
    private final LiveAccess access;
    private final InFlightLimiter limiter;
    private final ObjectMapper json;
    private final LiveFrames frames;
    private final long heartbeatMillis;

    public SseTransport(LiveRooms live, LiveAccess access, InFlightLimiter limiter, ObjectMapper json, Duration heartbeat) {
        this.live = live;
        this.access = access;
        this.limiter = limiter;
        this.json = json;
        this.frames = new LiveFrames(json);
        this.heartbeatMillis = heartbeat.toMillis();
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/rooms/{id}/events", this::stream);
    }

    private void stream(Context ctx) {
        LiveAccess.Start start = access.admit(ctx, ctx.header("Last-Event-ID"));
        serve(ctx, frames::sse,
                onOverflow -> live.subscribe(start.roomId(), start.userId(), start.sessionId(), Subscriber.Kind.SSE, start.after(),
                        start.ephemeral(), onOverflow),
                live::unsubscribe);
    }

    /**
     * Streams what the subscriber is handed, each item as the SSE event {@code encode} makes of it,
     * until it ends or the client goes away. {@code subscribe} gets what to run when the subscriber is
     * cut off as a slow consumer, and returns null (503) or throws when it cannot subscribe.
     */
    <T> void serve(Context ctx, Function<T, String> encode, Function<Runnable, Subscriber<T>> subscribe,
                   Consumer<Subscriber<T>> unsubscribe) {
        // A live stream holds no database connection while it waits: it does not count as in flight.
        limiter.release(ctx);
        EndPoint endPoint = ServletContextRequest.getServletContextRequest(ctx.req())
                .getConnectionMetaData().getConnection().getEndPoint();
        Subscriber<T> subscriber = subscribe.apply(endPoint::close);
        if (subscriber == null) {
            throw ApiException.unavailable("too many live connections on this instance; retry elsewhere", 2);
        }
        try {
            ctx.res().setStatus(200);
            ctx.res().setContentType("text/event-stream;charset=utf-8");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            OutputStream out = ctx.res().getOutputStream();
            write(out, "retry: 2000\n: connected\n\n");
            follow(out, subscriber, encode);
        } catch (IOException | InterruptedException e) {
            log.debug("SSE stream of {} ended: {}", subscriber.key(), e.toString());
        } finally {
            unsubscribe.accept(subscriber);
        }
    }

    private <T> void follow(OutputStream out, Subscriber<T> subscriber, Function<T, String> encode)
            throws IOException, InterruptedException {
        while (true) {
            T item = subscriber.next(heartbeatMillis);
            if (item == null) {
                if (subscriber.isClosed()) {
                    write(out, event("close", null, json.writeValueAsString(Map.of("reason", subscriber.closeReason()))));
                    return;
                }
                write(out, ": ping\n\n");
                continue;
            }
            // Write what is queued, then flush once: bursts cost one flush, not one per event.
            StringBuilder batch = new StringBuilder();
            while (item != null) {
                batch.append(encode.apply(item));
                item = batch.length() < BATCH_BYTES ? subscriber.next(0) : null;
            }
            write(out, batch.toString());
        }
    }

    /** The value as one line of JSON. */
    String json(Object value) {
        return frames.write(value);
    }

    /** One event in SSE framing; the data is one line of JSON. */
    static String event(String type, String id, String data) {
        return (id == null ? "" : "id: " + id + "\n") + "event: " + type + "\ndata: " + data + "\n\n";
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
