package io.loomcluster.loadtest;

import io.loomcluster.loadtest.api.Api;
import io.loomcluster.loadtest.api.Targets;
import io.loomcluster.loadtest.cli.Options;
import io.loomcluster.loadtest.cli.OptionsParser;
import io.loomcluster.loadtest.cli.Usage;
import io.loomcluster.loadtest.cli.UsageException;
import io.loomcluster.loadtest.fixture.Fixture;
import io.loomcluster.loadtest.fixture.SetupException;
import io.loomcluster.loadtest.idle.IdleConnections;
import io.loomcluster.loadtest.report.ReportWriter;
import io.loomcluster.loadtest.report.RunReport;
import io.loomcluster.loadtest.report.SummaryTable;
import io.loomcluster.loadtest.slo.Verdict;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Arrays;

/**
 * Command line: {@code loadtest [options]}, {@code loadtest compare [options] URL URL...} or
 * {@code loadtest idle --url URL --connections N}.
 */
public final class Main {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int SLO_NOT_MET = 3;
    private static final int PAST_DEADLINE = 4;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final PrintStream out;
    private final PrintStream err;
    private final boolean watchdog;

    public Main(PrintStream out, PrintStream err, boolean watchdog) {
        this.out = out;
        this.err = err;
        this.watchdog = watchdog;
    }

    public static void main(String[] args) {
        System.exit(new Main(System.out, System.err, true).run(args));
    }

    public int run(String[] args) {
        if (args.length > 0 && args[0].equals("idle")) {
            return idle(Arrays.copyOfRange(args, 1, args.length));
        }
        if (args.length > 0 && args[0].equals("lean")) {
            return lean(Arrays.copyOfRange(args, 1, args.length));
        }
        boolean compare = args.length > 0 && args[0].equals("compare");
        String[] rest = compare ? Arrays.copyOfRange(args, 1, args.length) : args;
        if (OptionsParser.wantsHelp(rest)) {
            out.print(Usage.TEXT);
            return OK;
        }
        Options options;
        try {
            options = OptionsParser.parse(rest, compare);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(Usage.TEXT);
            return USAGE;
        }
        if (watchdog) {
            armWatchdog(options, compare ? options.rounds() * options.targets().size() : 1);
        }
        try (Api api = new Api(CONNECT_TIMEOUT, options.timeout())) {
            LoadTest loadTest = new LoadTest(options, api, err);
            return compare ? new Compare(options, loadTest, out, err).run(runId(), reportsFolder(options))
                    : single(options, api, loadTest);
        } catch (SetupException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        }
    }

    private int lean(String[] args) {
        try (Api api = new Api(CONNECT_TIMEOUT, Duration.ofSeconds(30))) {
            return new io.loomcluster.loadtest.lean.LeanRealtime(io.loomcluster.loadtest.lean.LeanRealtime.Settings.parse(args), out)
                    .run(api, runId());
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            return USAGE;
        } catch (SetupException e) {
            err.println("error: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
    }

    private int idle(String[] args) {
        if (OptionsParser.wantsHelp(args)) {
            out.print(Usage.TEXT);
            return OK;
        }
        try {
            return IdleConnections.run(args, out, err);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(Usage.TEXT);
            return USAGE;
        }
    }

    private int single(Options options, Api api, LoadTest loadTest) {
        String runId = runId();
        Targets targets = new Targets(options.targets());
        long setupStart = System.nanoTime();
        Fixture fixture = loadTest.setUp(targets, runId);
        double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
        RunReport report;
        try {
            report = loadTest.measure(targets, fixture, runId, setupSeconds);
        } finally {
            fixture.cleanUp(api, targets.first(), options.cleanup());
        }
        Path folder = reportsFolder(options);
        ReportWriter.write(folder, report);
        out.print(SummaryTable.render(report));
        out.println("report: " + folder.resolve(ReportWriter.HTML));
        return verdicts(report);
    }

    /** Prints one line per objective; the exit code says whether all were met. */
    int verdicts(RunReport report) {
        report.slo().forEach(v -> out.println(v.line()));
        return report.slo().stream().allMatch(Verdict::met) ? OK : SLO_NOT_MET;
    }

    private static Path reportsFolder(Options options) {
        if (options.out() != null) {
            return options.out();
        }
        Path root = Path.of(System.getProperty("loadtest.reports", "tools/loadtest/reports"));
        return ReportWriter.defaultFolder(root, LocalDateTime.now());
    }

    /** Short, lower-case, fits the username rules: {@code lt<runid>_<n>} stays under 32 characters. */
    static String runId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /** Every run stops by itself; this is the backstop should anything hang past every bound. */
    private void armWatchdog(Options options, int windows) {
        Duration bound = options.setupTimeout().multipliedBy(2)
                .plus(options.duration().plus(options.warmup()).plus(options.grace().multipliedBy(4)).plusSeconds(10)
                        .multipliedBy(windows))
                .plusSeconds(60);
        Thread.ofPlatform().daemon().name("loadtest-watchdog").start(() -> {
            try {
                Thread.sleep(bound.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            err.println("error: the run did not end within its hard deadline of " + bound.toSeconds() + "s; exiting");
            Runtime.getRuntime().halt(PAST_DEADLINE);
        });
    }
}
