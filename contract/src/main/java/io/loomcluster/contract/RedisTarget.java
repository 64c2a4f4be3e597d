package io.loomcluster.contract;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a process finds Redis: one server ({@code REDIS_URL}), or the master that Redis Sentinel
 * names ({@code REDIS_SENTINELS}, {@code REDIS_SENTINEL_MASTER}), so that a failed master is
 * replaced without restarting anything. With Sentinel the master's credentials are
 * {@code REDIS_USER}/{@code REDIS_PASSWORD} and the sentinels' {@code REDIS_SENTINEL_PASSWORD}.
 */
public sealed interface RedisTarget {
    String DEFAULT_MASTER = "loom";

    /** What log lines and messages may show: no password. */
    String describe();

    /** One Redis at {@code url} (its user info may carry the password). */
    record Direct(URI url) implements RedisTarget {
        @Override
        public String describe() {
            return "Redis " + RedisUrls.redacted(url.toString());
        }
    }

    /** The master named {@code master}, asked of {@code sentinels}. */
    record Sentinel(String master, List<Address> sentinels, String user, String password,
                    String sentinelPassword) implements RedisTarget {
        public Sentinel {
            sentinels = List.copyOf(sentinels);
        }

        @Override
        public String describe() {
            return "Redis Sentinel master '" + master + "' via " + String.join(",",
                    sentinels.stream().map(Address::toString).toList());
        }

        /** The same master with the {@code REDIS_SENTINELS} value written out (for child processes). */
        public String sentinelsValue() {
            return String.join(",", sentinels.stream().map(Address::toString).toList());
        }
    }

    record Address(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /**
     * Reads {@code REDIS_URL} or {@code REDIS_SENTINELS} (not both); null when neither is set and
     * {@code required} is false.
     */
    static RedisTarget fromEnv(Env env, boolean required, String requiredBecause) {
        String url = env.string("REDIS_URL", null);
        String sentinels = env.string("REDIS_SENTINELS", null);
        if (url != null && sentinels != null) {
            throw new ConfigException("REDIS_URL and REDIS_SENTINELS are both set; expected one: REDIS_URL for one Redis, "
                    + "REDIS_SENTINELS (with REDIS_SENTINEL_MASTER) for a master found through Sentinel");
        }
        if (sentinels != null) {
            return new Sentinel(masterName(env), addresses(env.list("REDIS_SENTINELS", "")),
                    env.string("REDIS_USER", null), env.string("REDIS_PASSWORD", null),
                    env.string("REDIS_SENTINEL_PASSWORD", null));
        }
        if (url == null) {
            if (!required) {
                return null;
            }
            throw Env.missing("REDIS_URL", "a Redis URL such as redis://127.0.0.1:6379" + requiredBecause
                    + " (or REDIS_SENTINELS=host:26379,host:26379,... for Redis Sentinel)");
        }
        for (String name : List.of("REDIS_SENTINEL_MASTER", "REDIS_PASSWORD", "REDIS_USER", "REDIS_SENTINEL_PASSWORD")) {
            if (env.string(name, null) != null) {
                throw new ConfigException(name + " is set but REDIS_SENTINELS is not; with REDIS_URL the credentials "
                        + "go into the URL (redis://:PASSWORD@host:port)");
            }
        }
        return new Direct(directUrl(url));
    }

    private static URI directUrl(String value) {
        try {
            URI uri = URI.create(value);
            if (("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        // The value carries Redis's password: the message shows it redacted.
        throw Env.invalid("REDIS_URL", RedisUrls.redacted(value), "redis://host:port or redis://:PASSWORD@host:port");
    }

    private static String masterName(Env env) {
        String name = env.string("REDIS_SENTINEL_MASTER", DEFAULT_MASTER);
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw Env.invalid("REDIS_SENTINEL_MASTER", name, "the master's name in the sentinels' configuration "
                    + "(letters, digits, '.', '_', '-')");
        }
        return name;
    }

    private static List<Address> addresses(List<String> entries) {
        List<Address> result = new ArrayList<>();
        for (String entry : entries) {
            int colon = entry.lastIndexOf(':');
            String host = colon > 0 ? entry.substring(0, colon) : "";
            int port = -1;
            try {
                port = colon > 0 ? Integer.parseInt(entry.substring(colon + 1)) : -1;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            if (host.isEmpty() || host.contains("/") || port < 1 || port > 65535) {
                throw new ConfigException("REDIS_SENTINELS has an invalid entry '" + entry
                        + "'; expected comma-separated host:port pairs such as 10.0.0.5:26379,10.0.0.6:26379");
            }
            result.add(new Address(host, port));
        }
        if (result.isEmpty()) {
            throw Env.invalid("REDIS_SENTINELS", String.join(",", entries), "comma-separated host:port pairs");
        }
        return List.copyOf(result);
    }
}
