package io.loomcluster.loadtest.cli;

import io.loomcluster.loadtest.realtime.Transport;
import io.loomcluster.loadtest.slo.Objective;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a run was asked to do, validated by {@link OptionsParser}. {@code rate}/{@code rampFrom} and
 * {@code users} are exclusive: {@code users > 0} means the closed model.
 */
public record Options(
        String scenario,
        List<URI> targets,
        double rate,
        double rampFrom,
        Duration rampTime,
        int users,
        Duration think,
        Duration duration,
        Duration warmup,
        long maxRequests,
        int maxInFlight,
        Duration timeout,
        Duration grace,
        Transport transport,
        Map<String, Integer> mix,
        int rooms,
        int accounts,
        int subscribers,
        int connections,
        double postRate,
        int messageBytes,
        Path out,
        String sloText,
        List<Objective> slo,
        Duration setupTimeout,
        boolean cleanup,
        boolean quiet,
        int rounds) {

    public boolean closedModel() {
        return users > 0;
    }

    public boolean ramped() {
        return rampFrom >= 0;
    }

    /** The parameters as shown in the reports. */
    public Map<String, Object> describe() {
        var map = new java.util.LinkedHashMap<String, Object>();
        map.put("scenario", scenario);
        map.put("targets", targets.stream().map(URI::toString).toList());
        if (closedModel()) {
            map.put("model", "closed");
            map.put("users", users);
            map.put("think", Durations.format(think));
        } else {
            map.put("model", "open");
            map.put("rate", ramped() ? fmt(rampFrom) + "->" + fmt(rate) + " over " + Durations.format(rampTime) : fmt(rate));
            map.put("maxInFlight", maxInFlight);
        }
        map.put("duration", Durations.format(duration));
        map.put("warmup", Durations.format(warmup));
        map.put("maxRequests", maxRequests == Long.MAX_VALUE ? "none" : maxRequests);
        map.put("timeout", Durations.format(timeout));
        map.put("grace", Durations.format(grace));
        if (!scenario.equals("browse")) {
            map.put("transport", transport.option());
        }
        if (scenario.equals("mixed")) {
            map.put("mix", mix);
        }
        map.put("rooms", rooms);
        map.put("accounts", accounts);
        if (scenario.equals("chat") || scenario.equals("mixed")) {
            map.put("subscribers", subscribers);
        }
        if (scenario.equals("connections")) {
            map.put("connections", connections);
            map.put("postRate", postRate);
        }
        map.put("messageBytes", messageBytes);
        map.put("slo", sloText == null ? "none" : sloText);
        return map;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
