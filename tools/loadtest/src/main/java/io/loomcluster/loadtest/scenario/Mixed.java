package io.loomcluster.loadtest.scenario;

import io.loomcluster.loadtest.metrics.Ticket;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Each operation is drawn from the parts with probability proportional to their weights. */
final class Mixed implements Workload {

    record Part(int weight, Workload workload) {
    }

    private final List<Part> parts;
    private final int totalWeight;

    Mixed(List<Part> parts) {
        this.parts = List.copyOf(parts);
        this.totalWeight = parts.stream().mapToInt(Part::weight).sum();
        if (totalWeight <= 0) {
            throw new IllegalArgumentException("mix weights must add up to more than 0");
        }
    }

    @Override
    public void prepare() {
        parts.forEach(p -> p.workload().prepare());
    }

    @Override
    public void execute(Ticket ticket, long user) {
        int draw = ThreadLocalRandom.current().nextInt(totalWeight);
        for (Part part : parts) {
            draw -= part.weight();
            if (draw < 0) {
                part.workload().execute(ticket, user);
                return;
            }
        }
    }

    @Override
    public void stopArrivals() {
        parts.forEach(p -> p.workload().stopArrivals());
    }

    @Override
    public void drain(long deadlineNanos) {
        parts.forEach(p -> p.workload().drain(deadlineNanos));
    }

    @Override
    public void close() {
        parts.forEach(p -> p.workload().close());
    }
}
