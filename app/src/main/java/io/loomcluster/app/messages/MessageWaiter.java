package io.loomcluster.app.messages;

import java.time.Duration;
import java.util.List;

/** Waits for a room's next messages on this instance: how long-polls are answered. */
public interface MessageWaiter {
    /** Messages with ids above {@code after}, up to {@code limit}, once there are any; empty after {@code wait}. */
    List<Message> await(long roomId, long userId, long after, int limit, Duration wait) throws InterruptedException;
}
