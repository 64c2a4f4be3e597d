package io.loomcluster.lb.discovery;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A fixed list from the configuration. */
final class StaticDiscovery implements BackendDiscovery {
    private final Set<URI> backends;

    StaticDiscovery(List<URI> backends) {
        this.backends = Set.copyOf(new LinkedHashSet<>(backends));
    }

    @Override
    public void start(Consumer<Set<URI>> onChange) {
        onChange.accept(backends);
    }

    @Override
    public void close() {
    }
}
