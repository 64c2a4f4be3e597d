package io.loomcluster.app.webhooks;

import io.loomcluster.client.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Verifies a delivery with the Standard Webhooks reference library for Node.js ({@code
 * standardwebhooks}, version pinned in {@code src/test/webhook-verifier/package-lock.json}), installed
 * with {@code npm ci} under {@code target/} on first use: an implementation of the spec that is not ours.
 */
final class ReferenceVerifier {
    private static final Path SOURCE = Path.of("src", "test", "webhook-verifier");
    private static final Path INSTALLED = Path.of("target", "webhook-verifier");
    // Only the one-time install is serialised; verifications run node processes side by side.
    private static final ReentrantLock INSTALLING = new ReentrantLock();
    private static volatile boolean installed;

    private ReferenceVerifier() {
    }

    static boolean verify(String secret, Map<String, String> headers, String body) throws Exception {
        install();
        Process node = new ProcessBuilder("node", "verify.js").directory(INSTALLED.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var in = node.getOutputStream()) {
            in.write(Json.object("secret", secret, "headers", Map.of(
                    "webhook-id", headers.get("webhook-id"),
                    "webhook-timestamp", headers.get("webhook-timestamp"),
                    "webhook-signature", headers.get("webhook-signature")), "body", body).getBytes(StandardCharsets.UTF_8));
        }
        if (!node.waitFor(60, TimeUnit.SECONDS)) {
            node.destroyForcibly();
            throw new IllegalStateException("node did not finish verifying");
        }
        return node.exitValue() == 0;
    }

    private static void install() throws Exception {
        if (installed) {
            return;
        }
        INSTALLING.lock();
        try {
            if (!installed) {
                npmInstall();
                installed = true;
            }
        } finally {
            INSTALLING.unlock();
        }
    }

    private static void npmInstall() throws Exception {
        if (Files.isDirectory(INSTALLED.resolve("node_modules").resolve("standardwebhooks"))) {
            return;
        }
        Files.createDirectories(INSTALLED);
        for (String file : List.of("package.json", "package-lock.json", "verify.js")) {
            Files.copy(SOURCE.resolve(file), INSTALLED.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(INSTALLED.toFile())
                .redirectErrorStream(true).redirectOutput(INSTALLED.resolve("npm.log").toFile()).start();
        if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new UncheckedIOException(new IOException("npm ci failed; see " + INSTALLED.resolve("npm.log")));
        }
    }
}
