package io.loomcluster.app.realtime;

import io.loomcluster.app.messages.Message;

import java.util.List;

/** Where a room feed reads: the messages of a room with ids above {@code afterId}, ascending, at most {@code limit}. */
@FunctionalInterface
public interface MessageSource {
    List<Message> after(long roomId, long afterId, int limit);
}
