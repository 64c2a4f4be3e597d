package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Session;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Ticket;

import java.net.URI;
import java.util.Locale;

/** How subscribers receive messages; {@code --transport ws|sse|longpoll|mix}. */
public enum Transport {
    WS("ws"), SSE("sse"), LONGPOLL("longpoll"),
    /** Not a transport of its own: subscriber <i>i</i> uses ws, sse and longpoll in turn ({@link #of}). */
    MIX("mix");

    private static final Transport[] MIXED = {WS, SSE, LONGPOLL};

    private final String option;

    Transport(String option) {
        this.option = option;
    }

    public static Transport parse(String text) {
        for (Transport t : values()) {
            if (t.option.equals(text.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + text + "'; expected ws, sse, longpoll or mix");
    }

    public String option() {
        return option;
    }

    /** The transport of subscriber number {@code index}: itself, or for {@code mix} ws, sse, longpoll in turn. */
    public Transport of(int index) {
        return this == MIX ? MIXED[Math.floorMod(index, MIXED.length)] : this;
    }

    /** The name under which connection set-ups are reported. */
    public String connectOperation() {
        return "connect " + option;
    }

    /**
     * A subscriber to {@code roomIndex} (for delivery accounting) with id {@code roomId}, not yet started.
     * {@code mix} has no channel of its own: resolve it with {@link #of} first.
     */
    public Subscriber subscriber(ApiClient api, URI base, Session session, long roomId, int roomIndex,
                                 long afterId, Deliveries deliveries, Metrics metrics, Ticket firstConnect) {
        Channel channel = switch (this) {
            case WS -> new WebSocketChannel(api.webSockets(), base, roomId, session);
            case SSE -> new SseChannel(api, base, roomId, session);
            case LONGPOLL -> new LongPollChannel(api, base, roomId, session);
            case MIX -> throw new IllegalStateException("mix is resolved per subscriber with of(index)");
        };
        deliveries.subscribed(roomIndex);
        return new Subscriber(channel, deliveries, metrics, afterId, connectOperation(), option,
                deliveries.target(base), firstConnect);
    }
}
