package io.loomcluster.lb.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Paths of the app that are for the operator, not for clients: {@code /metrics}, which Prometheus
 * scrapes on each instance directly. Through the balancer they answer 404. The check sees the path
 * as the app's server would route it (percent-decoded, dot segments resolved, repeated and trailing
 * slashes and {@code ;parameters} dropped, any case), so {@code /%6Detrics} or {@code //metrics/}
 * does not slip past it. Most paths do not mention "metrics" at all and cost one scan.
 */
final class InternalPaths {
    private static final String BLOCKED = "/metrics";

    private InternalPaths() {
    }

    static boolean blocked(String target) {
        String path = pathOf(target);
        if (path.indexOf('%') >= 0) {
            path = decode(path);
        }
        if (!path.toLowerCase(Locale.ROOT).contains("metrics")) {
            return false;
        }
        return normalise(path).equalsIgnoreCase(BLOCKED);
    }

    private static String pathOf(String target) {
        String path = target;
        // The absolute form (GET http://host/metrics) routes like its path.
        int scheme = path.indexOf("://");
        if (scheme > 0 && scheme < 8) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int end = path.length();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return path.substring(0, end);
    }

    private static String decode(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length() && hex(path.charAt(i + 1)) >= 0 && hex(path.charAt(i + 2)) >= 0) {
                out.write(hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2)));
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static String normalise(String path) {
        Deque<String> segments = new ArrayDeque<>();
        for (String raw : path.split("/")) {
            int parameters = raw.indexOf(';');
            String segment = parameters >= 0 ? raw.substring(0, parameters) : raw;
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        return "/" + String.join("/", segments);
    }
}
