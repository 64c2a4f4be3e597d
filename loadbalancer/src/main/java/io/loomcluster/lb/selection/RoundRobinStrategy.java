package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each backend in turn. */
final class RoundRobinStrategy implements SelectionStrategy {
    private final AtomicInteger sequence = new AtomicInteger();

    @Override
    public Backend select(List<Backend> candidates, Backend excluded) {
        int size = candidates.size();
        if (size == 0) {
            return null;
        }
        int start = Math.floorMod(sequence.getAndIncrement(), size);
        for (int i = 0; i < size; i++) {
            Backend backend = candidates.get((start + i) % size);
            if (backend != excluded) {
                return backend;
            }
        }
        return null;
    }
}
