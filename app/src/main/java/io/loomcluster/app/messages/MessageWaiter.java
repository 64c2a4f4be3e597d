package io.loomcluster.app.messages;

import io.javalin.http.Context;
import io.loomcluster.app.sessions.Session;

import java.time.Duration;

/** Answers a long-poll once its request has been checked; live delivery (realtime) implements it. */
public interface MessageWaiter {
    /**
     * New messages with ids above {@code after}, up to {@code limit}, once there are any; empty after
     * {@code wait}; 401 when the session ends meanwhile. Edits and deletes do not answer it.
     */
    MessagePage await(Context ctx, Session session, long roomId, long after, int limit, Duration wait) throws InterruptedException;

    /** Every change of the room after the position {@code after}, the same way. */
    ChangePage awaitChanges(Context ctx, Session session, long roomId, long after, int limit, Duration wait)
            throws InterruptedException;
}
