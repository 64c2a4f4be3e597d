package io.loomcluster.lb.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reads of environment variables; every failure names the variable and the expected form. */
final class Env {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(B|KiB|MiB)?");

    private final Map<String, String> values;

    Env(Map<String, String> values) {
        this.values = values;
    }

    String string(String name, String defaultValue) {
        String value = values.get(name);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    int port(String name, int defaultValue) {
        return intIn(name, defaultValue, 1, 65535, "a port number 1-65535");
    }

    int intIn(String name, int defaultValue, int min, int max, String expected) {
        String raw = string(name, null);
        if (raw == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw invalid(name, raw, expected);
    }

    /** {@code on}/{@code off} (also {@code true}/{@code false}, {@code 1}/{@code 0}). */
    boolean flag(String name, boolean defaultValue) {
        String raw = string(name, null);
        if (raw == null) {
            return defaultValue;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "on", "true", "1", "yes" -> true;
            case "off", "false", "0", "no" -> false;
            default -> throw invalid(name, raw, "on or off");
        };
    }

    Duration duration(String name, Duration defaultValue, Duration min) {
        String raw = string(name, null);
        if (raw == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(raw);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
            if (d.compareTo(min) >= 0) {
                return d;
            }
        }
        throw invalid(name, raw, "a duration of at least " + min.toMillis() + "ms, like 500ms, 2s or 1m");
    }

    long bytes(String name, long defaultValue, long min) {
        String raw = string(name, null);
        if (raw == null) {
            return defaultValue;
        }
        Matcher m = SIZE.matcher(raw);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "B" : m.group(2);
            long value = switch (unit) {
                case "KiB" -> n * 1024;
                case "MiB" -> n * 1024 * 1024;
                default -> n;
            };
            if (value >= min && value <= Integer.MAX_VALUE) {
                return value;
            }
        }
        throw invalid(name, raw, "a size of at least " + min + " bytes, like 65536, 64KiB or 10MiB");
    }

    /** An absolute {@code http://host:port} URL without path, the form backends are named in. */
    static URI httpBase(String name, String raw) {
        try {
            URI uri = URI.create(raw.trim());
            boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
            if ("http".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0 && bare
                    && uri.getRawQuery() == null && uri.getRawUserInfo() == null) {
                return URI.create("http://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort());
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw invalid(name, raw, "http://host:port (with an explicit port, no path)");
    }

    static ConfigException invalid(String name, String raw, String expected) {
        return new ConfigException(name + ": expected " + expected + ", got '" + raw + "'");
    }
}
