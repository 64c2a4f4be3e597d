package io.loomcluster.app.messages;

/**
 * What a committed post sets going outside its transaction: the outbox relay is woken (jobs), the
 * room's live feeds everywhere are told (realtime). {@link MessageService#post} calls it once per
 * new message, never for a replay, whichever entry point posted (REST, GraphQL, a WebSocket frame),
 * so none of them can forget it. What must commit with the post is a {@link PostEffects}.
 */
@FunctionalInterface
public interface AfterPost {
    AfterPost NONE = message -> {
    };

    void committed(Message message);

    static AfterPost all(AfterPost... steps) {
        return message -> {
            for (AfterPost step : steps) {
                step.committed(message);
            }
        };
    }
}
