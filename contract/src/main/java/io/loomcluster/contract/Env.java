package io.loomcluster.contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar of every process's environment variables, and one error style: a wrong value is
 * {@code NAME=value is invalid; expected ...}, a missing one {@code NAME is not set; expected ...}.
 * Durations are a whole number with a unit ({@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h});
 * sizes are bytes, optionally {@code KiB} or {@code MiB}; booleans true/false (also on/off, yes/no,
 * 1/0); lists are comma-separated. A blank value counts as unset. A setting that was removed is
 * refused with what replaced it ({@link #removed}), never silently ignored.
 */
public final class Env {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(B|KiB|MiB)?");

    private final Map<String, String> values;

    public Env(Map<String, String> values) {
        this.values = values;
    }

    public static ConfigException invalid(String name, String value, String expected) {
        return new ConfigException(name + "=" + value + " is invalid; expected " + expected);
    }

    public static ConfigException missing(String name, String expected) {
        return new ConfigException(name + " is not set; expected " + expected);
    }

    /** The trimmed value, or {@code fallback} (which may be null) when unset. */
    public String string(String name, String fallback) {
        String value = values.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    public String required(String name, String expected) {
        String value = string(name, null);
        if (value == null) {
            throw missing(name, expected);
        }
        return value;
    }

    public int integer(String name, int fallback, int min, int max) {
        String raw = string(name, null);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the expected range
        }
        throw invalid(name, raw, "a whole number from " + min + " to " + max);
    }

    public int port(String name, int fallback) {
        return integer(name, fallback, 1, 65535);
    }

    /** A switch: {@code true}/{@code false}, or {@code on}/{@code off}, {@code yes}/{@code no}, {@code 1}/{@code 0}. */
    public boolean bool(String name, boolean fallback) {
        String raw = string(name, null);
        if (raw == null) {
            return fallback;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw invalid(name, raw, "true or false (or on/off)");
        };
    }

    /**
     * Refuses a setting that no longer exists when it is set: a deployment that still sets it learns
     * at start-up what replaced it, instead of running with a value that does nothing.
     */
    public void removed(String name, String instead) {
        String raw = string(name, null);
        if (raw != null) {
            throw new ConfigException(name + "=" + raw + " is no longer supported; " + instead);
        }
    }

    public Duration duration(String name, Duration fallback) {
        return duration(name, fallback, Duration.ZERO);
    }

    /** A duration of at least {@code min}. */
    public Duration duration(String name, Duration fallback, Duration min) {
        String raw = string(name, null);
        if (raw == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(raw);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (d.compareTo(min) >= 0) {
                return d;
            }
        }
        throw invalid(name, raw, "a duration such as 500ms, 30s, 5m or 1h"
                + (min.isZero() ? "" : ", at least " + min.toMillis() + "ms"));
    }

    /** A size in bytes ({@code 65536}, {@code 64KiB}, {@code 10MiB}) from {@code min} to 2 GiB. */
    public long bytes(String name, long fallback, long min) {
        String raw = string(name, null);
        if (raw == null) {
            return fallback;
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
        throw invalid(name, raw, "a size such as 65536, 64KiB or 10MiB, at least " + min + " bytes");
    }

    /** The comma-separated entries, trimmed, blanks dropped; {@code fallback} when unset. */
    public List<String> list(String name, String fallback) {
        List<String> result = new ArrayList<>();
        for (String part : string(name, fallback == null ? "" : fallback).split(",")) {
            if (!part.isBlank()) {
                result.add(part.trim());
            }
        }
        return List.copyOf(result);
    }

    /** Addresses or CIDR ranges, comma-separated ({@code 10.0.0.0/8,::1}). */
    public List<Cidr> cidrs(String name, String fallback) {
        List<Cidr> result = new ArrayList<>();
        for (String entry : list(name, fallback)) {
            try {
                result.add(Cidr.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " has an invalid entry '" + entry
                        + "'; expected comma-separated addresses or CIDR ranges such as 10.0.0.0/8");
            }
        }
        return List.copyOf(result);
    }
}
