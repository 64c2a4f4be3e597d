package io.loomcluster.app.realtime;

import java.util.List;

/**
 * Where a {@link Feed} reads: the items of one key (a room's messages, a user's notifications) with
 * ids above {@code afterId}, ascending, at most {@code limit}.
 */
@FunctionalInterface
public interface FeedSource<T> {
    List<T> after(long key, long afterId, int limit);
}
