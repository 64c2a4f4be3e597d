package io.loomcluster.app.rooms;

import io.loomcluster.app.db.Sql;

/**
 * What else leaving a room commits with it: features that act for a member (webhooks) stop acting
 * in the leave's own transaction, so nothing is done for someone who left.
 */
@FunctionalInterface
public interface LeaveEffects {
    void left(Sql.Transaction tx, long roomId, long userId);
}
