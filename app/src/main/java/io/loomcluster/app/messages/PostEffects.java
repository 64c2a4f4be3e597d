package io.loomcluster.app.messages;

import io.loomcluster.app.db.Sql;

/**
 * What else a post commits with it: features that react to new messages (mentions, webhooks) add
 * their jobs to the outbox here, in the post's own transaction, so that a committed post never
 * loses its jobs.
 */
@FunctionalInterface
public interface PostEffects {
    PostEffects NONE = (tx, message) -> {
    };

    void posted(Sql.Transaction tx, Message message);

    static PostEffects all(PostEffects... effects) {
        return (tx, message) -> {
            for (PostEffects effect : effects) {
                effect.posted(tx, message);
            }
        };
    }
}
