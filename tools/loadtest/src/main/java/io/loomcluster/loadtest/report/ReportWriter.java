package io.loomcluster.loadtest.report;

import io.loomcluster.client.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Writes {@code report.json} and the self-contained {@code report.html} of a run into its folder. */
public final class ReportWriter {
    public static final String JSON = "report.json";
    public static final String HTML = "report.html";
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private ReportWriter() {
    }

    /** {@code reports/<timestamp>}, made unique with a suffix if a run of the same second exists. */
    public static Path defaultFolder(Path reportsRoot, LocalDateTime now) {
        Path folder = reportsRoot.resolve(FOLDER.format(now));
        for (int n = 2; Files.exists(folder); n++) {
            folder = reportsRoot.resolve(FOLDER.format(now) + "-" + n);
        }
        return folder;
    }

    public static void write(Path folder, RunReport report) {
        try {
            Files.createDirectories(folder);
            String json = Json.writeIndented(report);
            Files.writeString(folder.resolve(JSON), json, StandardCharsets.UTF_8);
            Files.writeString(folder.resolve(HTML), HtmlReport.render(report, json), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the report to " + folder, e);
        }
    }
}
