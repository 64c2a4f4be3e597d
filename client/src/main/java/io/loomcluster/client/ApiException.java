package io.loomcluster.client;

import java.util.Optional;

/**
 * A typed call got an answer other than the one it expects, or none: the reply and, when the server
 * sent one, its problem. The low-level {@link LoomClient#send} never throws this.
 */
public final class ApiException extends RuntimeException {
    private final Reply reply;

    public ApiException(String call, Reply reply) {
        super(call + " failed: " + reply.problem().map(p -> reply.status() + " " + p.title() + ": " + p.detail())
                .orElse(reply.describe()));
        this.reply = reply;
    }

    public Reply reply() {
        return reply;
    }

    /** The HTTP status, or 0 when there was no response. */
    public int status() {
        return reply.status();
    }

    public Optional<Problem> problem() {
        return reply.problem();
    }
}
