package io.loomcluster.app.presence;

import io.loomcluster.testing.Race;
import org.junit.jupiter.api.RepeatedTest;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connects and disconnects on many threads while the flusher turns the dirty pairs into changes
 * and applies them to a model of this instance's entries in Redis: no change is ever a duplicate
 * (an add of a held entry, a remove of a missing one), and once the threads stop, a last flush
 * leaves Redis holding exactly the pairs that still have connections.
 */
class LocalPresenceRaceTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 2_000;
    private static final Usernames NAMES = ids -> {
        Map<Long, String> names = new HashMap<>();
        ids.forEach(id -> names.put(id, "u" + id));
        return names;
    };

    @RepeatedTest(5)
    void theFlushedStateConvergesToThePairsWithConnectionsAndNoChangeIsEverADuplicate() throws Exception {
        LocalPresence local = new LocalPresence(System::nanoTime, 0);
        Set<LocalPresence.Key> redis = new HashSet<>();
        AtomicBoolean running = new AtomicBoolean(true);
        int[][] held = new int[THREADS][];
        Thread flusher = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                flushInto(local, redis);
            }
        });
        Race.run(THREADS, t -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            // Each thread keeps its own connections on four pairs shared with the other threads.
            int[] open = new int[4];
            for (int i = 0; i < ROUNDS; i++) {
                int pair = random.nextInt(4);
                if (open[pair] > 0 && random.nextBoolean()) {
                    open[pair]--;
                    local.disconnected(1, pair);
                } else {
                    open[pair]++;
                    local.connected(1, pair);
                }
            }
            held[t] = open;
        });
        running.set(false);
        flusher.join();
        flushInto(local, redis);

        Set<LocalPresence.Key> expected = new HashSet<>();
        for (int pair = 0; pair < 4; pair++) {
            int total = 0;
            for (int[] open : held) {
                total += open[pair];
            }
            if (total > 0) {
                expected.add(new LocalPresence.Key(1, pair));
            }
        }
        assertThat(redis).isEqualTo(expected);
        assertThat(local.announced()).isEqualTo(expected.size());
        assertThat(local.pending()).isZero();
    }

    private static void flushInto(LocalPresence local, Set<LocalPresence.Key> redis) {
        List<LocalPresence.Change> changes = local.changes(Presence.BATCH, NAMES);
        for (LocalPresence.Change c : changes) {
            boolean changed = c.add() ? redis.add(c.key()) : redis.remove(c.key());
            assertThat(changed).as("a change Redis needed: " + c).isTrue();
        }
        local.applied(changes);
    }
}
