package io.loomcluster.lb.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A request target's path as the app's server routes it: percent-decoded, dot segments resolved,
 * repeated and trailing slashes and {@code ;parameters} dropped. Every decision the balancer makes
 * on a path (the pool a route sends it to, the internal paths it refuses, the health probes it
 * serves over plain HTTP) reads this one form, so that no spelling ({@code /api/rooms/1/%65vents},
 * {@code //metrics/}, {@code /health/../api/session}) is routed one way and checked another. The
 * raw target is what the backend is sent.
 */
record RequestPath(String path, String query) {

    static RequestPath of(String target) {
        String path = target;
        // The absolute form (GET http://host/metrics) routes like its path.
        int scheme = path.indexOf("://");
        if (scheme > 0 && scheme < 8) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        String query = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '?') {
                int hash = path.indexOf('#', i + 1);
                query = path.substring(i + 1, hash < 0 ? path.length() : hash);
                path = path.substring(0, i);
                break;
            }
            if (c == '#') {
                path = path.substring(0, i);
                break;
            }
        }
        if (path.indexOf('%') >= 0) {
            path = decode(path);
        }
        return new RequestPath(normalise(path), query);
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
        if (isPlain(path)) {
            return path;
        }
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

    /** Already normal: starts with one slash, no empty, dot or parameter segment, no trailing slash (the common case). */
    private static boolean isPlain(String path) {
        int length = path.length();
        if (length == 0 || path.charAt(0) != '/' || length > 1 && path.charAt(length - 1) == '/') {
            return length == 1 && path.charAt(0) == '/';
        }
        for (int i = 1; i < length; i++) {
            char c = path.charAt(i);
            if (c == ';' || c == '/' && path.charAt(i - 1) == '/' || c == '.' && path.charAt(i - 1) == '/') {
                return false;
            }
        }
        return true;
    }
}
