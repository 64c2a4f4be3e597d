package io.loomcluster.loadtest.report;

import io.loomcluster.loadtest.metrics.LatencyStats;
import io.loomcluster.loadtest.metrics.Totals;
import io.loomcluster.loadtest.slo.Verdict;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One self-contained HTML file: the tables are rendered here, the charts are drawn in the browser by the
 * template's own script from the embedded JSON. Nothing is loaded from the network.
 */
final class HtmlReport {
    private static final String TEMPLATE = "/io/loomcluster/loadtest/report/report.html";

    private HtmlReport() {
    }

    static String render(RunReport r, String json) {
        return template()
                .replace("{{TITLE}}", esc("Load test " + r.runId() + " — " + r.parameters().get("scenario")))
                .replace("{{TABLES}}", tables(r))
                // Inside <script>, "</" would end the element; JSON allows the escaped form.
                .replace("{{DATA}}", json.replace("</", "<\\/"));
    }

    private static String template() {
        try (InputStream in = HtmlReport.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + TEMPLATE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tables(RunReport r) {
        StringBuilder h = new StringBuilder();
        Totals t = r.totals();
        h.append("<section><h2>Totals</h2><table class=kv>");
        kv(h, "requests", "total-requests", Long.toString(t.requests()));
        kv(h, "successes", "total-successes", Long.toString(t.successes()));
        kv(h, "errors", "total-errors", t.errors() + String.format(Locale.ROOT, " (%.3f%%)", t.errorRatio() * 100));
        kv(h, "of which dropped (in-flight cap)", "total-dropped", Long.toString(t.dropped()));
        kv(h, "of which abandoned at deadline", "total-abandoned", Long.toString(t.abandoned()));
        kv(h, "throughput", "total-throughput", String.format(Locale.ROOT, "%.1f req/s over %.1f s", t.throughput(), t.seconds()));
        h.append("</table></section>");
        verdicts(h, r);
        latency(h, r);
        counts(h, "Errors by status", r.errors().byStatus(), t.errors());
        counts(h, "Errors by cause", r.errors().byCause(), t.errors());
        counts(h, "Instances (X-Instance-Id of successful responses)", r.instances(), t.successes());
        delivery(h, r.delivery());
        parameters(h, r);
        return h.toString();
    }

    private static void verdicts(StringBuilder h, RunReport r) {
        if (r.slo().isEmpty()) {
            return;
        }
        h.append("<section><h2>Objectives</h2><table><tr><th>objective<th>measured<th>result</tr>");
        for (Verdict v : r.slo()) {
            h.append("<tr class=").append(v.met() ? "ok" : "bad").append("><td>").append(esc(v.objective()))
                    .append("<td>").append(esc(v.actualText())).append("<td>").append(v.met() ? "met" : "FAILED").append("</tr>");
        }
        h.append("</table></section>");
    }

    private static void latency(StringBuilder h, RunReport r) {
        h.append("<section><h2>Latency (ms, from intended start)</h2><table><tr><th>operation<th>count<th>p50<th>p90"
                + "<th>p99<th>p99.9<th>max<th>mean</tr>");
        row(h, "all requests", r.latency());
        r.latencyByOperation().forEach((op, s) -> row(h, op, s));
        if (r.delivery() != null) {
            row(h, "delivery post→receipt (" + r.delivery().transport() + ")", r.delivery().latency());
            r.delivery().latencyByPath().forEach((path, s) -> row(h, "delivery " + path, s));
            row(h, "connect (" + r.delivery().transport() + ")", r.delivery().connect());
        }
        h.append("</table></section>");
    }

    private static void row(StringBuilder h, String name, LatencyStats s) {
        h.append(String.format(Locale.ROOT, "<tr><td>%s<td>%d<td>%.2f<td>%.2f<td>%.2f<td>%.2f<td>%.2f<td>%.2f</tr>",
                esc(name), s.count(), s.p50(), s.p90(), s.p99(), s.p999(), s.max(), s.mean()));
    }

    private static void counts(StringBuilder h, String title, Map<String, Long> counts, long total) {
        h.append("<section><h2>").append(esc(title)).append("</h2>");
        if (counts.isEmpty()) {
            h.append("<p>none</p></section>");
            return;
        }
        h.append("<table><tr><th>value<th>count<th>share</tr>");
        counts.forEach((k, v) -> {
            double share = total == 0 ? 0 : 100.0 * v / total;
            h.append(String.format(Locale.ROOT, "<tr><td>%s<td>%d<td><span class=bar style=\"width:%.0fpx\"></span> %.1f%%</tr>",
                    esc(k), v, share * 2, share));
        });
        h.append("</table></section>");
    }

    private static void delivery(StringBuilder h, RunReport.Delivery d) {
        if (d == null) {
            return;
        }
        h.append("<section><h2>Live delivery (").append(esc(d.transport())).append(")</h2><table class=kv>");
        kv(h, "accepted posts", "delivery-posts", Long.toString(d.posts()));
        kv(h, "expected deliveries", "delivery-expected", Long.toString(d.expected()));
        kv(h, "delivered", "delivery-delivered", Long.toString(d.delivered()));
        kv(h, "missing at end", "delivery-missing", Long.toString(d.missing()));
        kv(h, "duplicates", "delivery-duplicates", Long.toString(d.duplicates()));
        kv(h, "subscriptions by instance", "delivery-instances", d.subscriptionsByInstance().toString());
        kv(h, "subscriber errors", "delivery-errors", d.subscriberErrors().toString());
        h.append("</table></section>");
    }

    private static void parameters(StringBuilder h, RunReport r) {
        h.append("<section><h2>Parameters</h2><table class=kv>");
        kv(h, "run id", "run-id", r.runId());
        kv(h, "started", "run-started", r.startedAt());
        r.parameters().forEach((k, v) -> kv(h, k, "param-" + k, String.valueOf(v)));
        RunReport.Generator g = r.generator();
        kv(h, "generator CPU", "generator-cpu", String.format(Locale.ROOT, "%.2f s over %.2f s = %.1f%% of one core (%d cores)",
                g.cpuSeconds(), g.wallSeconds(), g.cpuPercentOfOneCore(), g.cores()));
        kv(h, "set-up time", "generator-setup", String.format(Locale.ROOT, "%.1f s", g.setupSeconds()));
        kv(h, "client", "generator-client", g.httpClient() + ", Java " + g.java());
        h.append("</table></section>");
    }

    private static void kv(StringBuilder h, String key, String id, String value) {
        h.append("<tr><th>").append(esc(key)).append("<td id=\"").append(id).append("\">").append(esc(value)).append("</tr>");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
