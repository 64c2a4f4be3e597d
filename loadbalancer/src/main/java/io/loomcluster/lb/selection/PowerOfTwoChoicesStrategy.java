package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two backends at random, the less loaded of them: close to least-requests without scanning every
 * backend, and without every balancer thread piling onto the same "least loaded" one.
 */
final class PowerOfTwoChoicesStrategy implements SelectionStrategy {

    @Override
    public Backend select(List<Backend> candidates) {
        int size = candidates.size();
        if (size <= 1) {
            return size == 0 ? null : candidates.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = random.nextInt(size);
        int second = random.nextInt(size - 1);
        if (second >= first) {
            second++;
        }
        Backend a = candidates.get(first);
        Backend b = candidates.get(second);
        return b.inFlight() < a.inFlight() ? b : a;
    }
}
