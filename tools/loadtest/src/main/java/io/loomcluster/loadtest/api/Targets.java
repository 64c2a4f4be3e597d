package io.loomcluster.loadtest.api;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The base URLs under load (the balancer, or instances directly); requests go to them in turn. */
public final class Targets {
    private final List<URI> urls;
    private final AtomicLong next = new AtomicLong();

    public Targets(List<URI> urls) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one target URL is needed");
        }
        this.urls = List.copyOf(urls);
    }

    /** The next target in round-robin order. */
    public URI next() {
        return get(next.getAndIncrement());
    }

    public URI get(long index) {
        return urls.get((int) Math.floorMod(index, (long) urls.size()));
    }

    public URI first() {
        return urls.getFirst();
    }

    public int size() {
        return urls.size();
    }

    public List<URI> urls() {
        return urls;
    }
}
