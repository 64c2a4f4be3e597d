package io.loomcluster.app.messages;

import io.loomcluster.app.db.Sql;

/**
 * What else a change of a room commits with it: features that react to messages (mentions,
 * webhooks) add their jobs to the outbox here, in the change's own transaction, so that a committed
 * post, edit or delete never loses its jobs.
 */
public interface PostEffects {
    PostEffects NONE = (tx, message) -> {
    };

    /** A new message. */
    void posted(Sql.Transaction tx, Message message);

    /** A message edited or deleted (never called for a creation, which is {@link #posted}). */
    default void changed(Sql.Transaction tx, Change change) {
    }

    static PostEffects all(PostEffects... effects) {
        return new PostEffects() {
            @Override
            public void posted(Sql.Transaction tx, Message message) {
                for (PostEffects effect : effects) {
                    effect.posted(tx, message);
                }
            }

            @Override
            public void changed(Sql.Transaction tx, Change change) {
                for (PostEffects effect : effects) {
                    effect.changed(tx, change);
                }
            }
        };
    }
}
