package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Session;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Ticket;

import java.net.URI;
import java.util.Locale;

/** How subscribers receive messages; {@code --transport ws|sse|longpoll}. */
public enum Transport {
    WS("ws"), SSE("sse"), LONGPOLL("longpoll");

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
        throw new IllegalArgumentException("unknown transport '" + text + "'; expected ws, sse or longpoll");
    }

    public String option() {
        return option;
    }

    /** The name under which connection set-ups are reported. */
    public String connectOperation() {
        return "connect " + option;
    }

    /** A subscriber to {@code roomIndex} (for delivery accounting) with id {@code roomId}, not yet started. */
    public Subscriber subscriber(ApiClient api, URI base, Session session, long roomId, int roomIndex,
                                 long afterId, Deliveries deliveries, Metrics metrics, Ticket firstConnect) {
        Channel channel = switch (this) {
            case WS -> new WebSocketChannel(api.webSockets(), base, roomId, session);
            case SSE -> new SseChannel(api, base, roomId, session);
            case LONGPOLL -> new LongPollChannel(api, base, roomId, session);
        };
        deliveries.subscribed(roomIndex);
        return new Subscriber(channel, deliveries, metrics, afterId, connectOperation(), firstConnect);
    }
}
