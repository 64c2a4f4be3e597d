package io.loomcluster.app.realtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.loomcluster.app.http.ApiException;
import io.loomcluster.app.http.InFlightLimiter;
import io.loomcluster.app.messages.Message;
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
import java.util.function.ToLongFunction;

/**
 * {@code GET /api/rooms/{id}/events}: Server-Sent Events of a room's new messages, replayed from
 * {@code Last-Event-ID} or {@code after}. Each stream writes from its own (virtual) request thread,
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
    private final long heartbeatMillis;

    public SseTransport(LiveRooms live, LiveAccess access, InFlightLimiter limiter, ObjectMapper json, Duration heartbeat) {
        this.live = live;
        this.access = access;
        this.limiter = limiter;
        this.json = json;
        this.heartbeatMillis = heartbeat.toMillis();
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/rooms/{id}/events", this::stream);
    }

    private void stream(Context ctx) {
        LiveAccess.Start start = access.admit(ctx, ctx.header("Last-Event-ID"));
        serve(ctx, "message", Message::id,
                onOverflow -> live.subscribe(start.roomId(), start.userId(), start.sessionId(), Subscriber.Kind.SSE, start.after(), onOverflow),
                live::unsubscribe);
    }

    /**
     * Streams what the subscriber is handed as events of {@code type} (event id: {@code idOf}) until
     * it ends or the client goes away. {@code subscribe} gets what to run when the subscriber is cut
     * off as a slow consumer, and returns null (503) or throws when it cannot subscribe.
     */
    <T> void serve(Context ctx, String type, ToLongFunction<T> idOf, Function<Runnable, Subscriber<T>> subscribe,
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
            follow(out, subscriber, type, idOf);
        } catch (IOException | InterruptedException e) {
            log.debug("SSE stream of {} {} ended: {}", type, subscriber.key(), e.toString());
        } finally {
            unsubscribe.accept(subscriber);
        }
    }

    private <T> void follow(OutputStream out, Subscriber<T> subscriber, String type, ToLongFunction<T> idOf)
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
                batch.append(event(type, Long.toString(idOf.applyAsLong(item)), json.writeValueAsString(item)));
                item = batch.length() < BATCH_BYTES ? subscriber.next(0) : null;
            }
            write(out, batch.toString());
        }
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
