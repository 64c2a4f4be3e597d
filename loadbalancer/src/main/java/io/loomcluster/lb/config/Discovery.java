package io.loomcluster.lb.config;

/** How the balancer finds its backends: {@code static}, {@code dns:NAME:PORT} or {@code redis}. */
public sealed interface Discovery {
    record Static() implements Discovery {
    }

    record Dns(String name, int port) implements Discovery {
    }

    record Redis() implements Discovery {
    }
}
