package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each backend in turn. */
final class RoundRobinStrategy implements SelectionStrategy {
    private final AtomicInteger sequence = new AtomicInteger();

    @Override
    public Backend select(List<Backend> candidates) {
        int size = candidates.size();
        return size == 0 ? null : candidates.get(Math.floorMod(sequence.getAndIncrement(), size));
    }
}
