package io.loomcluster.lb.config;

import io.loomcluster.contract.ConfigException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code LB_ROUTES}: which pool serves a request, by host, path prefix and, for the few routes that
 * need it, a query parameter. Written {@code pool: rule, rule; pool: rule}, for example
 * <pre>
 * streams: /api/rooms/&#42;/events, /api/rooms/&#42;/ws, /api/rooms/&#42;/messages?wait; api: /
 * </pre>
 * A rule is {@code [host]/path[?param]}: the host (no port, any case) when given must be the
 * request's; the path is a prefix on segment boundaries ({@code /api} matches {@code /api} and
 * {@code /api/x}, not {@code /apix}), where a {@code *} segment matches any one segment; {@code ?param}
 * asks for that query parameter to be present (with any value). Rules are tried in the order
 * written and the first match wins, so the specific ones go first and {@code /} last. A request no
 * rule matches gets 404.
 */
public final class Routes {
    private static final Pattern POOL = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~!$&'()+,;=:@%-]+|\\*");
    private static final Pattern PARAM = Pattern.compile("[A-Za-z0-9._~-]+");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]+");
    static final String EXAMPLE = "pool: /path, host/path, /path?param; other: /";

    /** One rule of one pool. */
    public record Rule(String pool, String host, List<String> segments, String param) {
        /** The rule as {@code LB_ROUTES} would write it ({@code host/path?param}). */
        public String text() {
            return (host == null ? "" : host) + "/" + String.join("/", segments) + (param == null ? "" : "?" + param);
        }

        boolean matches(String requestHost, String path, String query) {
            if (host != null && !host.equalsIgnoreCase(requestHost)) {
                return false;
            }
            if (param != null && !hasParam(query, param)) {
                return false;
            }
            int at = 0;
            for (String segment : segments) {
                if (at >= path.length() || path.charAt(at) != '/') {
                    return false;
                }
                int end = path.indexOf('/', at + 1);
                if (end < 0) {
                    end = path.length();
                }
                int length = end - at - 1;
                boolean same = segment.equals("*") ? length > 0
                        : length == segment.length() && path.regionMatches(at + 1, segment, 0, length);
                if (!same) {
                    return false;
                }
                at = end;
            }
            return true;
        }
    }

    private final List<Rule> rules;

    private Routes(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Everything to one pool named {@code default}: the configuration without {@code LB_ROUTES}. */
    public static Routes single() {
        return new Routes(List.of(new Rule("default", null, List.of(), null)));
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The pool names in the order they first appear. */
    public List<String> pools() {
        Set<String> names = new LinkedHashSet<>();
        rules.forEach(rule -> names.add(rule.pool()));
        return List.copyOf(names);
    }

    /**
     * The pool for a request, or null when no rule matches. {@code host} is the Host header (a port
     * is ignored), {@code target} the request target (path and query).
     */
    public String route(String host, String target) {
        int q = target.indexOf('?');
        return route(host, q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1));
    }

    /** The pool for a request whose path the caller has already split from its query (null when none). */
    public String route(String host, String path, String query) {
        String hostName = stripPort(host);
        for (Rule rule : rules) {
            if (rule.matches(hostName, path, query)) {
                return rule.pool();
            }
        }
        return null;
    }

    private static String stripPort(String host) {
        if (host == null) {
            return "";
        }
        int colon = host.lastIndexOf(':');
        return colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
    }

    private static boolean hasParam(String query, String name) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if ((eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Parses {@code LB_ROUTES}; a mistake fails start-up with a message that names it. */
    public static Routes parse(String raw) {
        List<Rule> rules = new ArrayList<>();
        for (String group : raw.split(";")) {
            if (group.isBlank()) {
                continue;
            }
            int colon = group.indexOf(':');
            if (colon < 0) {
                throw invalid(raw, "'" + group.trim() + "' has no pool name; write " + EXAMPLE);
            }
            String pool = group.substring(0, colon).trim();
            if (!POOL.matcher(pool).matches()) {
                throw invalid(raw, "pool name '" + pool + "' must be lower-case letters, digits and '-' (starting with a letter)");
            }
            String[] parts = group.substring(colon + 1).split(",");
            boolean any = false;
            for (String part : parts) {
                if (!part.isBlank()) {
                    rules.add(rule(raw, pool, part.trim()));
                    any = true;
                }
            }
            if (!any) {
                throw invalid(raw, "pool '" + pool + "' has no rule");
            }
        }
        if (rules.isEmpty()) {
            throw invalid(raw, "no route; write " + EXAMPLE);
        }
        return new Routes(rules);
    }

    private static Rule rule(String raw, String pool, String text) {
        String rest = text;
        String param = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            param = rest.substring(q + 1);
            rest = rest.substring(0, q);
            if (!PARAM.matcher(param).matches()) {
                throw invalid(raw, "'" + text + "': '?" + param + "' must name one query parameter");
            }
        }
        String host = null;
        int slash = rest.indexOf('/');
        if (slash != 0) {
            host = slash < 0 ? rest : rest.substring(0, slash);
            rest = slash < 0 ? "/" : rest.substring(slash);
            if (!HOST.matcher(host).matches()) {
                throw invalid(raw, "'" + text + "': '" + host + "' is not a host name (a rule is [host]/path[?param])");
            }
            host = host.toLowerCase(Locale.ROOT);
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rest.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (!SEGMENT.matcher(segment).matches()) {
                throw invalid(raw, "'" + text + "': path segment '" + segment + "' may be '*' or plain characters, not a pattern");
            }
            segments.add(segment);
        }
        return new Rule(pool, host, List.copyOf(segments), param);
    }

    private static ConfigException invalid(String raw, String why) {
        return new ConfigException("LB_ROUTES=" + raw + " is invalid: " + why);
    }
}
