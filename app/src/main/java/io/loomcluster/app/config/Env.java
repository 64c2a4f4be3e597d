package io.loomcluster.app.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed, validated reads of environment variables; every failure names the variable. */
final class Env {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private final Map<String, String> env;

    Env(Map<String, String> env) {
        this.env = env;
    }

    String string(String name, String fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private String required(String name, String expected) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new ConfigException(name + " is not set; expected " + expected);
        }
        return value.trim();
    }

    int port(String name, int fallback) {
        return integer(name, fallback, 1, 65535);
    }

    int integer(String name, int fallback, int min, int max) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the expected range
        }
        throw new ConfigException(name + "=" + value + " is invalid; expected a whole number from " + min + " to " + max);
    }

    boolean bool(String name, boolean fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ConfigException(name + "=" + value + " is invalid; expected true or false");
        };
    }

    Duration duration(String name, Duration fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new ConfigException(name + "=" + value + " is invalid; expected a duration such as 500ms, 30s, 5m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    String jdbcUrl(String name) {
        String value = required(name, "a PostgreSQL JDBC URL such as jdbc:postgresql://127.0.0.1:5432/loom");
        if (!value.startsWith("jdbc:postgresql://")) {
            throw new ConfigException(name + "=" + value + " is invalid; expected jdbc:postgresql://host:port/database");
        }
        return value;
    }

    URI redisUrl(String name) {
        String value = required(name, "a Redis URL such as redis://127.0.0.1:6379");
        try {
            URI uri = URI.create(value);
            if (("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw new ConfigException(name + "=" + value + " is invalid; expected redis://host:port");
    }

    List<Cidr> cidrs(String name, String fallback) {
        String value = string(name, fallback);
        List<Cidr> result = new ArrayList<>();
        for (String part : value.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                result.add(Cidr.parse(part.trim()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " has an invalid entry '" + part.trim()
                        + "'; expected comma-separated addresses or CIDR ranges such as 10.0.0.0/8");
            }
        }
        return List.copyOf(result);
    }

    Set<String> origins(String name) {
        Set<String> result = new LinkedHashSet<>();
        for (String part : string(name, "").split(",")) {
            if (part.isBlank()) {
                continue;
            }
            result.add(Origins.normalise(part.trim()).orElseThrow(() -> new ConfigException(name
                    + " has an invalid entry '" + part.trim() + "'; expected comma-separated origins such as https://app.example.com")));
        }
        return Set.copyOf(result);
    }
}
