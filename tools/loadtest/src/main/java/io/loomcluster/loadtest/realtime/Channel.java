package io.loomcluster.loadtest.realtime;

import java.io.IOException;

/** One way of receiving a room's new messages: long-poll, Server-Sent Events or WebSocket. */
interface Channel {

    /**
     * Opens the subscription after message {@code afterId}, calls {@link Subscriber#connected} once it is
     * established, then {@link Subscriber#message} for each message until the connection ends or
     * {@link #close()} is called. Throws when the connection fails.
     */
    void run(long afterId, Subscriber sink) throws IOException, InterruptedException;

    /** Ends a running {@link #run}; called from another thread. */
    void close();
}
