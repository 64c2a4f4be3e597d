package io.loomcluster.loadtest.cli;

import io.loomcluster.loadtest.realtime.Transport;
import io.loomcluster.loadtest.slo.SloParser;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns arguments into validated {@link Options}; every mistake is a {@link UsageException} naming it. */
public final class OptionsParser {
    private static final Set<String> FLAGS = Set.of("cleanup", "quiet", "help");
    private static final Set<String> VALUED = Set.of("scenario", "url", "rate", "ramp", "ramp-time", "users", "think",
            "duration", "warmup", "max-requests", "max-in-flight", "timeout", "grace", "transport", "mix", "rooms", "accounts",
            "subscribers", "connections", "post-rate", "message-bytes", "out", "slo", "setup-timeout", "rounds");
    private static final Set<String> SCENARIOS = Set.of("browse", "chat", "connections", "mixed");
    private static final URI DEFAULT_TARGET = URI.create("http://127.0.0.1:8080");

    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<URI> urls = new ArrayList<>();
    private final List<URI> positional = new ArrayList<>();

    private OptionsParser() {
    }

    /** {@code compare} mode takes the targets as positional URLs and repeats the run over rounds. */
    public static Options parse(String[] args, boolean compare) {
        OptionsParser parser = new OptionsParser();
        parser.read(args);
        return parser.build(compare);
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    private void read(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                positional.add(url(arg));
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (FLAGS.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                values.put(name, "true");
            } else if (VALUED.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                if (name.equals("url")) {
                    for (String u : value.split(",")) {
                        urls.add(url(u.trim()));
                    }
                } else if (values.put(name, value) != null) {
                    throw new UsageException("--" + name + " given twice");
                }
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    private Options build(boolean compare) {
        String scenario = values.getOrDefault("scenario", "browse");
        if (!SCENARIOS.contains(scenario)) {
            throw new UsageException("unknown scenario '" + scenario + "'; expected browse, chat, connections or mixed");
        }
        List<URI> targets = targets(compare);
        int users = positiveInt("users", 0, 0);
        boolean hasRate = values.containsKey("rate") || values.containsKey("ramp");
        if (users > 0 && hasRate) {
            throw new UsageException("--users (closed model) cannot be combined with --rate or --ramp (open model)");
        }
        if (values.containsKey("rate") && values.containsKey("ramp")) {
            throw new UsageException("give either --rate R or --ramp FROM:TO, not both");
        }
        if (users > 0 && scenario.equals("connections")) {
            throw new UsageException("the connections scenario opens connections at --rate; --users does not apply");
        }
        Duration duration = duration("duration", "30s");
        double[] ramp = values.containsKey("ramp") ? ramp(values.get("ramp")) : null;
        double rate = ramp != null ? ramp[1] : positiveDouble("rate", scenario.equals("connections") ? 50 : 20);
        int rooms = positiveInt("rooms", 4, 1);
        int connections = positiveInt("connections", 100, 1);
        int accounts = positiveInt("accounts", users > 0 ? Math.min(users, 50) : 10, 1);
        int subscribers = positiveInt("subscribers", rooms * Math.max(2, targets.size()), 1);
        String sloText = values.get("slo");
        return new Options(scenario, targets, rate, ramp != null ? ramp[0] : -1,
                values.containsKey("ramp-time") ? duration("ramp-time", null) : duration,
                users, duration("think", "0ms"), duration, duration("warmup", "0s"),
                positiveLong("max-requests", Long.MAX_VALUE),
                positiveInt("max-in-flight", 512, 1), duration("timeout", "10s"), duration("grace", "5s"),
                transport(), mix(scenario), rooms, accounts, subscribers, connections,
                nonNegativeDouble("post-rate", 2), positiveInt("message-bytes", 64, 1),
                values.containsKey("out") ? Path.of(values.get("out")) : null, sloText,
                sloText == null ? List.of() : slo(sloText), duration("setup-timeout", "120s"),
                values.containsKey("cleanup"), values.containsKey("quiet"), positiveInt("rounds", 3, 1));
    }

    private List<URI> targets(boolean compare) {
        if (compare) {
            if (!urls.isEmpty() || positional.size() < 2) {
                throw new UsageException("compare takes two or more base URLs as arguments (and no --url)");
            }
            return List.copyOf(positional);
        }
        if (!positional.isEmpty()) {
            throw new UsageException("unexpected argument '" + positional.getFirst() + "'; use --url to name targets");
        }
        return urls.isEmpty() ? List.of(DEFAULT_TARGET) : List.copyOf(urls);
    }

    private static URI url(String text) {
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new UsageException("bad URL '" + text + "'; expected e.g. http://127.0.0.1:8080");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new UsageException("bad URL '" + text + "': " + e.getMessage());
        }
    }

    private Transport transport() {
        try {
            return Transport.parse(values.getOrDefault("transport", "longpoll"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private Map<String, Integer> mix(String scenario) {
        String text = values.get("mix");
        if (text != null && !scenario.equals("mixed")) {
            throw new UsageException("--mix applies to --scenario mixed only");
        }
        Map<String, Integer> mix = new LinkedHashMap<>();
        for (String part : (text == null ? "browse=7,chat=3" : text).split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2 || !(kv[0].equals("browse") || kv[0].equals("chat"))) {
                throw new UsageException("bad --mix part '" + part + "'; expected e.g. browse=7,chat=3");
            }
            mix.put(kv[0], parseInt("mix " + kv[0], kv[1], 0));
        }
        if (mix.values().stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new UsageException("--mix weights add up to 0");
        }
        return Map.copyOf(mix);
    }

    private static double[] ramp(String text) {
        String[] parts = text.split(":", 2);
        if (parts.length != 2) {
            throw new UsageException("bad --ramp '" + text + "'; expected FROM:TO in requests per second, e.g. 10:200");
        }
        double from = parseDouble("ramp", parts[0], true);
        double to = parseDouble("ramp", parts[1], false);
        return new double[] {from, to};
    }

    private static List<io.loomcluster.loadtest.slo.Objective> slo(String text) {
        try {
            return SloParser.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--slo: " + e.getMessage());
        }
    }

    private Duration duration(String name, String fallback) {
        String text = values.getOrDefault(name, fallback);
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + name + ": " + e.getMessage());
        }
    }

    private int positiveInt(String name, int fallback, int min) {
        return values.containsKey(name) ? parseInt(name, values.get(name), min) : fallback;
    }

    private static int parseInt(String name, String text, int min) {
        try {
            int v = Integer.parseInt(text.trim());
            if (v < min) {
                throw new UsageException("--" + name + " must be at least " + min + ", got " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a whole number, got '" + text + "'");
        }
    }

    private long positiveLong(String name, long fallback) {
        if (!values.containsKey(name)) {
            return fallback;
        }
        try {
            long v = Long.parseLong(values.get(name).trim());
            if (v < 1) {
                throw new UsageException("--" + name + " must be at least 1");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a whole number, got '" + values.get(name) + "'");
        }
    }

    private double positiveDouble(String name, double fallback) {
        return values.containsKey(name) ? parseDouble(name, values.get(name), false) : fallback;
    }

    private double nonNegativeDouble(String name, double fallback) {
        return values.containsKey(name) ? parseDouble(name, values.get(name), true) : fallback;
    }

    private static double parseDouble(String name, String text, boolean zeroAllowed) {
        try {
            double v = Double.parseDouble(text.trim().replace("/s", ""));
            if (Double.isNaN(v) || Double.isInfinite(v) || v < 0 || (!zeroAllowed && v == 0)) {
                throw new UsageException("--" + name + " must be " + (zeroAllowed ? "0 or more" : "more than 0")
                        + ", got " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a number, got '" + text + "'");
        }
    }
}
