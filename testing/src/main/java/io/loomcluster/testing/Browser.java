package io.loomcluster.testing;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Headless Chromium driven through the system's chromedriver. Both paths are given explicitly, so
 * Selenium never looks for (or downloads) a driver. A missing browser fails the test with what to
 * install, unless {@code -Dloom.browser.skip=true} asks to skip browser tests.
 */
public final class Browser implements AutoCloseable {
    public static final String SKIP_PROPERTY = "loom.browser.skip";
    private static final Path CHROMIUM = Path.of(System.getProperty("loom.browser.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("loom.browser.chromedriver", "/usr/bin/chromedriver"));

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Saves a PNG of the viewport (for people to look at; the tests assert on the DOM). */
    public Path screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Browser open(int width, int height) {
        if (Boolean.getBoolean(SKIP_PROPERTY)) {
            Assumptions.abort("browser tests skipped (-D" + SKIP_PROPERTY + "=true)");
        }
        for (Path required : new Path[] {CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(required)) {
                throw new AssertionError(required + " is missing: browser tests need headless Chromium."
                        + " Install it with `apt-get install -y chromium chromium-driver` (.ci/run does),"
                        + " or run with -D" + SKIP_PROPERTY + "=true to skip browser tests.");
            }
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("loom-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // No network here: without the background-networking flags Chromium keeps dialling out.
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        // The console log, so that tests can see Content-Security-Policy violations and script errors.
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(Path.of("target", "it-logs", "chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Browser(driver, profile);
    }

    /** The browser console's messages so far (each read once: a second call returns only newer ones). */
    public java.util.List<String> consoleMessages() {
        return driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                .map(entry -> entry.getLevel() + " " + entry.getMessage()).toList();
    }

    @Override
    public void close() {
        driver.quit();
        Folders.deleteQuietly(profile);
    }
}
