package io.loomcluster.loadtest;

import io.loomcluster.loadtest.api.ApiClient;
import io.loomcluster.loadtest.api.Targets;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** One load test: prepares the accounts and rooms, measures a window, and assembles its report. */
public final class LoadTest {
    private final Options options;
    private final ApiClient api;
    private final PrintStream log;

    public LoadTest(Options options, ApiClient api, PrintStream log) {
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

    /** Runs one measured window against {@code targets}; {@code windowId} tags its messages. */
    public RunReport measure(Targets targets, Fixture fixture, String windowId, double setupSeconds) {
        Metrics metrics = new Metrics();
        Deliveries deliveries = new Deliveries(windowId, metrics, fixture.rooms().size());
        ScenarioContext ctx = new ScenarioContext(api, targets, fixture, metrics, deliveries, options.transport(),
                options.setupTimeout(), options.timeout(), ScenarioContext.payload(options.messageBytes()));
        Instant started;
        LoadRun.Window window;
        try (Workload workload = Scenarios.create(options, ctx)) {
            workload.prepare();
            log.printf(Locale.ROOT, "running %s for %s against %s%n", options.scenario(),
                    options.describe().get("duration"), targets.urls());
            started = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            window = new LoadRun(plan(), workload, metrics, options.quiet() ? null : log).run();
        }
        RunReport report = Reports.assemble(options, windowId, started, metrics, deliveries, window, setupSeconds);
        return report.withSlo(SloCheck.evaluate(options.slo(), report));
    }

    private LoadPlan plan() {
        long limit = Scenarios.arrivalLimit(options);
        if (options.closedModel()) {
            return new LoadPlan.Closed(options.users(), options.think(), options.duration(), limit, options.grace());
        }
        RateSchedule schedule = options.ramped()
                ? RateSchedule.ramp(options.rampFrom(), options.rate(), options.rampTime().toNanos())
                : RateSchedule.constant(options.rate());
        return new LoadPlan.Open(schedule, options.maxInFlight(), options.duration(), limit, options.grace());
    }
}
