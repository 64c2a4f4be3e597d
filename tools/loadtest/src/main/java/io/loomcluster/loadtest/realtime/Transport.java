package io.loomcluster.loadtest.realtime;

import io.loomcluster.loadtest.api.Account;
import io.loomcluster.loadtest.api.Api;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.metrics.Ticket;

import java.net.URI;
import java.util.Locale;

/** How subscribers receive messages; {@code --transport ws|sse|longpoll|mix}. */
public enum Transport {
    WS("ws", io.loomcluster.client.Transport.WEBSOCKET), SSE("sse", io.loomcluster.client.Transport.SSE),
    LONGPOLL("longpoll", io.loomcluster.client.Transport.LONG_POLL),
    /** Not a transport of its own: subscriber <i>i</i> uses ws, sse and longpoll in turn ({@link #of}). */
    MIX("mix", null);

    private static final Transport[] MIXED = {WS, SSE, LONGPOLL};

    private final String option;
    private final io.loomcluster.client.Transport client;

    Transport(String option, io.loomcluster.client.Transport client) {
        this.option = option;
        this.client = client;
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
    public Subscriber subscriber(Api api, URI base, Account account, long roomId, int roomIndex,
                                 long afterId, Deliveries deliveries, Metrics metrics, Ticket firstConnect) {
        if (this == MIX) {
            throw new IllegalStateException("mix is resolved per subscriber with of(index)");
        }
        deliveries.subscribed(roomIndex);
        return new Subscriber(api.as(account, base), roomId, afterId, client, deliveries, metrics, connectOperation(),
                option, deliveries.target(base), firstConnect);
    }
}
