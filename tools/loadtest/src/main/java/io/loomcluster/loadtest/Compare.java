package io.loomcluster.loadtest;

import io.loomcluster.client.Json;
import io.loomcluster.loadtest.api.Targets;
import io.loomcluster.loadtest.cli.Options;
import io.loomcluster.loadtest.fixture.Fixture;
import io.loomcluster.loadtest.report.ReportWriter;
import io.loomcluster.loadtest.report.RunReport;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The same load against several targets, one after another and alternated over rounds (A B C A B C ...),
 * so that drift on the shared machine (other builds, JIT warm-up, a growing database) spreads over all
 * targets instead of favouring one. Reports the median of the rounds per target and its ratio to the first.
 */
final class Compare {
    private final Options options;
    private final LoadTest loadTest;
    private final PrintStream out;
    private final PrintStream log;

    Compare(Options options, LoadTest loadTest, PrintStream out, PrintStream log) {
        this.options = options;
        this.loadTest = loadTest;
        this.out = out;
        this.log = log;
    }

    record Row(String target, double[] rate, double[] p50, double[] p99) {
    }

    int run(String runId, Path folder) {
        List<URI> urls = options.targets();
        List<Fixture> fixtures = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            // Each target gets its own accounts: they may or may not share a database.
            fixtures.add(loadTest.setUp(new Targets(List.of(urls.get(i))), runId + (char) ('a' + i)));
        }
        int rounds = options.rounds();
        List<Row> rows = new ArrayList<>();
        urls.forEach(u -> rows.add(new Row(u.toString(), new double[rounds], new double[rounds], new double[rounds])));
        boolean allMet = true;
        long[] errors = new long[urls.size()];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < urls.size(); i++) {
                log.printf(Locale.ROOT, "round %d/%d, target %s%n", r + 1, rounds, urls.get(i));
                String window = runId + "r" + r + "t" + i;
                RunReport report = loadTest.measure(new Targets(List.of(urls.get(i))), fixtures.get(i), window, 0);
                ReportWriter.write(folder.resolve("round-" + (r + 1)).resolve("target-" + (i + 1)), report);
                rows.get(i).rate()[r] = report.totals().throughput();
                rows.get(i).p50()[r] = report.latency().p50();
                rows.get(i).p99()[r] = report.latency().p99();
                errors[i] += report.totals().errors();
                allMet &= report.slo().stream().allMatch(v -> v.met());
            }
        }
        String table = table(rows, errors);
        out.print(table);
        writeSummary(folder, rows, errors, table);
        out.println("reports: " + folder);
        return allMet ? Main.OK : Main.SLO_NOT_MET;
    }

    static String table(List<Row> rows, long[] errors) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%n%-32s %10s %9s %9s %8s %8s %8s %8s   %s%n", "target (median of rounds)",
                "req/s", "p50 ms", "p99 ms", "errors", "x req/s", "x p50", "x p99", "x req/s by round (min..max)"));
        Row first = rows.getFirst();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            double[] byRound = new double[row.rate().length];
            for (int r = 0; r < byRound.length; r++) {
                byRound[r] = ratio(row.rate()[r], first.rate()[r]);
            }
            double[] sorted = byRound.clone();
            Arrays.sort(sorted);
            t.append(String.format(Locale.ROOT, "%-32s %10.1f %9.2f %9.2f %8d %8.2f %8.2f %8.2f   %.3f (%.3f..%.3f)%n",
                    row.target(), median(row.rate()), median(row.p50()), median(row.p99()), errors[i],
                    ratio(median(row.rate()), median(first.rate())), ratio(median(row.p50()), median(first.p50())),
                    ratio(median(row.p99()), median(first.p99())), median(byRound), sorted[0], sorted[sorted.length - 1]));
        }
        t.append("x: ratio to the first target; each target ran ").append(first.rate().length)
                .append(" rounds, alternated with the others; by round: the median, lowest and highest of the\n")
                .append("ratios within one round (the targets of a round ran back to back, so drift cancels)\n");
        return t.toString();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double ratio(double value, double base) {
        return base == 0 ? 0 : value / base;
    }

    private void writeSummary(Path folder, List<Row> rows, long[] errors, String table) {
        List<Map<String, Object>> targets = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", rows.get(i).target());
            m.put("ratePerRound", rows.get(i).rate());
            m.put("p50PerRound", rows.get(i).p50());
            m.put("p99PerRound", rows.get(i).p99());
            m.put("errors", errors[i]);
            targets.add(m);
        }
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("compare.json"), Json.writeIndented(Map.of("parameters", options.describe(),
                    "targets", targets)));
            Files.writeString(folder.resolve("compare.txt"), table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
