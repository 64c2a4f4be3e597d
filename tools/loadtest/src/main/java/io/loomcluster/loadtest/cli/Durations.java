package io.loomcluster.loadtest.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses human durations such as {@code 30s}, {@code 2m}, {@code 1m30s}, {@code 250ms}; a unit is required. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|s|m|h)");

    private Durations() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration; expected e.g. 30s, 2m, 1m30s, 500ms");
        }
        String s = text.trim().toLowerCase();
        Matcher m = PART.matcher(s);
        long nanos = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("bad duration '" + text
                        + "'; expected a number with a unit (ms, s, m, h), e.g. 30s, 2m, 1m30s, 500ms");
            }
            nanos = Math.addExact(nanos, toNanos(Double.parseDouble(m.group(1)), m.group(2), text));
            at = m.end();
        }
        return Duration.ofNanos(nanos);
    }

    private static long toNanos(double amount, String unit, String text) {
        double factor = switch (unit) {
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> throw new IllegalArgumentException("bad duration unit in '" + text + "'");
        };
        double nanos = amount * factor;
        if (nanos > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("duration '" + text + "' is too long");
        }
        return Math.round(nanos);
    }

    /** Short form for reports: 1500ms -> "1.5s", 90s -> "1m30s". */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = d.toSeconds();
        if (ms % 1000 != 0 || s < 60) {
            return (ms % 1000 == 0) ? s + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        return (s % 60 == 0) ? s / 60 + "m" : s / 60 + "m" + s % 60 + "s";
    }
}
