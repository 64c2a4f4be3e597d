package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The backend with the fewest requests in flight; ties go round-robin so equal backends share. */
final class LeastRequestsStrategy implements SelectionStrategy {
    private final AtomicInteger sequence = new AtomicInteger();

    @Override
    public Backend select(List<Backend> candidates) {
        int size = candidates.size();
        if (size == 0) {
            return null;
        }
        int start = Math.floorMod(sequence.getAndIncrement(), size);
        Backend best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            Backend backend = candidates.get((start + i) % size);
            int load = backend.inFlight();
            if (load < bestLoad) {
                best = backend;
                bestLoad = load;
            }
        }
        return best;
    }
}
