package io.loomcluster.app.messages;

import io.javalin.http.Context;

import java.time.Duration;

/** Answers a long-poll once its request has been checked; live delivery (realtime) implements it. */
public interface MessageWaiter {
    /** Messages with ids above {@code after}, up to {@code limit}, once there are any; empty after {@code wait}. */
    MessagePage await(Context ctx, long roomId, long userId, long after, int limit, Duration wait) throws InterruptedException;
}
