package io.loomcluster.loadtest.slo;

/** The outcome of one objective: what was measured and whether it met the threshold. */
public record Verdict(String objective, double actual, String actualText, boolean met) {

    public String line() {
        return (met ? "SLO met:    " : "SLO FAILED: ") + objective + " (measured " + actualText + ")";
    }
}
