package io.loomcluster.loadtest.slo;

import io.loomcluster.loadtest.metrics.LatencyStats;
import io.loomcluster.loadtest.metrics.Totals;
import io.loomcluster.loadtest.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SloParserTest {

    @Test
    void parsesLatencyErrorAndRateObjectives() {
        List<Objective> slo = SloParser.parse("p99<50ms, errors<0.1%,rate>=200,p999<=1.5s,max<2s,errors<10,delivery.p99<100ms");
        assertThat(slo).extracting(Objective::metric)
                .containsExactly("p99", "errors", "rate", "p999", "max", "errors", "delivery.p99");
        assertThat(slo.get(0).threshold()).isEqualTo(50.0);
        assertThat(slo.get(0).comparison()).isEqualTo(Objective.Comparison.LT);
        assertThat(slo.get(1).percent()).isTrue();
        assertThat(slo.get(1).threshold()).isEqualTo(0.1);
        assertThat(slo.get(2).comparison()).isEqualTo(Objective.Comparison.GE);
        assertThat(slo.get(3).threshold()).isEqualTo(1500.0);
        assertThat(slo.get(5).percent()).isFalse();
        assertThat(slo.get(6).isLatency()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|empty",
            "p99|bad objective",
            "p99<|bad objective",
            "p99=50ms|bad objective",
            "p98<50ms|unknown metric 'p98'",
            "p99<50|bad latency '50'",
            "p99<fast|bad latency 'fast'",
            "errors<lots|bad number 'lots'",
            "errors<-1%|bad number '-1'",
            "rate>x|bad number 'x'",
            "p99<50ms,,errors<1%|bad objective ''"})
    void rejectsBadSyntaxWithAMessageNamingThePart(String spec, String message) {
        assertThatThrownBy(() -> SloParser.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void reportsWhichObjectiveFailed() {
        RunReport report = report(new Totals(1000, 990, 10, 0, 0, 10, 100, 0.01),
                new LatencyStats(990, 5, 4, 8, 45, 80, 120));
        List<Verdict> verdicts = SloCheck.evaluate(SloParser.parse("p99<50ms,errors<0.1%,rate>90,max<100ms"), report);
        assertThat(verdicts).extracting(Verdict::met).containsExactly(true, false, true, false);
        assertThat(verdicts.get(1).line()).isEqualTo("SLO FAILED: errors<0.1% (measured 1.000%)");
        assertThat(verdicts.get(3).line()).isEqualTo("SLO FAILED: max<100ms (measured 120.00ms)");
        assertThat(verdicts.get(0).line()).startsWith("SLO met:");
    }

    @Test
    void latencyObjectivesFailWhenNothingWasMeasured() {
        RunReport report = report(new Totals(0, 0, 0, 0, 0, 10, 0, 0), LatencyStats.EMPTY);
        assertThat(SloCheck.evaluate(SloParser.parse("p99<50ms,delivery.p99<1s"), report))
                .extracting(Verdict::met).containsExactly(false, false);
    }

    private static RunReport report(Totals totals, LatencyStats latency) {
        return new RunReport("t", "run", "now", Map.of(), totals, latency, Map.of(),
                new RunReport.Errors(Map.of(), Map.of()), Map.of(), null, null, List.of(), List.of());
    }
}
