package io.loomcluster.app.realtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Each user's open live streams on this instance, across keys, at most {@code maxPerUser} open: adding
 * one more closes the user's oldest open ones with {@code reason}. A user has an entry only while they
 * hold a stream, so the map is bounded by the live connections.
 */
final class UserStreams<T> {
    private final int maxPerUser;
    private final String reason;
    // Per user, in the order added: the first open one is the oldest.
    private final ConcurrentMap<Long, List<Subscriber<T>>> byUser = new ConcurrentHashMap<>();

    UserStreams(int maxPerUser, String reason) {
        this.maxPerUser = maxPerUser;
        this.reason = reason;
    }

    void add(Subscriber<T> subscriber) {
        // Closing only marks the subscriber and wakes its writer: nothing blocks inside compute.
        byUser.compute(subscriber.userId(), (user, streams) -> {
            List<Subscriber<T>> list = streams != null ? streams : new ArrayList<>();
            list.add(subscriber);
            long open = list.stream().filter(s -> !s.isClosed()).count();
            for (Subscriber<T> s : list) {
                if (open <= maxPerUser) {
                    break;
                }
                if (!s.isClosed()) {
                    s.close(reason);
                    open--;
                }
            }
            return list;
        });
    }

    void remove(Subscriber<T> subscriber) {
        byUser.computeIfPresent(subscriber.userId(), (user, list) -> {
            list.remove(subscriber);
            return list.isEmpty() ? null : list;
        });
    }

    /** Users holding a stream now. */
    int users() {
        return byUser.size();
    }
}
