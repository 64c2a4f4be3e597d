package io.loomcluster.loadtest;

import io.loomcluster.loadtest.api.Api;
import io.loomcluster.loadtest.api.Targets;
import io.loomcluster.loadtest.cli.Durations;
import io.loomcluster.loadtest.cli.Options;
import io.loomcluster.loadtest.fixture.Fixture;
import io.loomcluster.loadtest.metrics.Metrics;
import io.loomcluster.loadtest.realtime.Deliveries;
import io.loomcluster.loadtest.report.RunReport;
import io.loomcluster.loadtest.run.LoadPlan;
import io.loomcluster.loadtest.run.LoadRun;
import io.loomcluster.loadtest.scenario.ScenarioContext;
import io.loomcluster.loadtest.scenario.Scenarios;
import io.loomcluster.loadtest.scenario.Workload;
import io.loomcluster.loadtest.schedule.RateSchedule;
import io.loomcluster.loadtest.slo.SloCheck;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** One load test: prepares the accounts and rooms, measures a window, and assembles its report. */
public final class LoadTest {
    private final Options options;
    private final Api api;
    private final PrintStream log;

    public LoadTest(Options options, Api api, PrintStream log) {
        this.options = options;
        this.api = api;
        this.log = log;
    }

    /** Registers and logs in the accounts and creates the rooms of this run on the first target. */
    public Fixture setUp(Targets targets, String runId) {
        log.printf(Locale.ROOT, "setting up run %s on %s: %d accounts, %d rooms%n", runId, targets.first(),
                options.accounts(), options.rooms());
        return Fixture.create(api, targets.first(), runId, options.accounts(), options.rooms(), options.setupTimeout());
    }

    /**
     * Runs one measured window against {@code targets}, after an unrecorded warm-up of the same load when
     * {@code --warmup} asks for one; {@code windowId} tags the window's messages.
     */
    public RunReport measure(Targets targets, Fixture fixture, String windowId, double setupSeconds) {
        if (!options.warmup().isZero()) {
            log.printf(Locale.ROOT, "warming up for %s (not recorded)%n", Durations.format(options.warmup()));
            window(targets, fixture, windowId + "w", options.warmup(), null);
        }
        log.printf(Locale.ROOT, "running %s for %s against %s%n", options.scenario(),
                Durations.format(options.duration()), targets.urls());
        Measured m = window(targets, fixture, windowId, options.duration(), options.quiet() ? null : log);
        RunReport report = Reports.assemble(options, windowId, m.started(), m.metrics(), m.deliveries(), m.window(),
                setupSeconds);
        return report.withSlo(SloCheck.evaluate(options.slo(), report));
    }

    private record Measured(Instant started, Metrics metrics, Deliveries deliveries, LoadRun.Window window) {
    }

    private Measured window(Targets targets, Fixture fixture, String windowId, Duration duration, PrintStream progress) {
        Metrics metrics = new Metrics();
        Deliveries deliveries = new Deliveries(windowId, metrics, fixture.rooms().size(), targets.urls());
        ScenarioContext ctx = new ScenarioContext(api, targets, fixture, metrics, deliveries, options.transport(),
                options.setupTimeout(), options.timeout(), ScenarioContext.payload(options.messageBytes()));
        try (Workload workload = Scenarios.create(options, ctx)) {
            workload.prepare();
            Instant started = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            LoadRun.Window window = new LoadRun(plan(duration), workload, metrics, progress).run();
            return new Measured(started, metrics, deliveries, window);
        }
    }

    private LoadPlan plan(Duration duration) {
        long limit = Scenarios.arrivalLimit(options);
        if (options.closedModel()) {
            return new LoadPlan.Closed(options.users(), options.think(), duration, limit, options.grace());
        }
        RateSchedule schedule = options.ramped()
                ? RateSchedule.ramp(options.rampFrom(), options.rate(), options.rampTime().toNanos())
                : RateSchedule.constant(options.rate());
        return new LoadPlan.Open(schedule, options.maxInFlight(), duration, limit, options.grace());
    }
}
