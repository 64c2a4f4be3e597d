package io.loomcluster.lb.dashboard;

import io.loomcluster.lb.testing.BackendProcess;
import io.loomcluster.lb.testing.BalancerFixture;
import io.loomcluster.testing.Browser;
import io.loomcluster.testing.BalancerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in headless Chromium: backends listed healthy, one killed and shown ejected without
 * a reload, the balancer itself gone and back. Screenshots go to {@code target/dashboard-screenshots/}.
 */
class DashboardBrowserIT {
    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private BalancerFixture lb;
    private BackendProcess a;
    private BackendProcess b;
    private BalancerProcess balancer;

    // Its own fixture: the test kills a backend and the balancer itself.
    @BeforeEach
    void start() {
        lb = BalancerFixture.start("web", Map.of());
        a = lb.a();
        b = lb.b();
        balancer = lb.balancer();
    }

    @AfterEach
    void stop() {
        lb.close();
    }

    @Test
    void dashboardShowsAKilledBackendEjectedAndTheBalancerGoingAwayWithoutReloading() {
        try (Browser browser = Browser.open(1280, 900)) {
            ChromeDriver page = browser.driver();
            WebDriverWait wait = new WebDriverWait(page, WAIT);
            page.get("http://127.0.0.1:" + balancer.adminPort() + "/");
            wait.until(d -> "healthy".equals(stateOf(page, a)) && "healthy".equals(stateOf(page, b)));
            assertThat(page.findElement(By.id("t-available")).getText()).isEqualTo("2");
            assertThat(page.findElement(By.id("banner")).isDisplayed()).isFalse();
            // Survives only as long as the document does: a reload would drop it.
            page.executeScript("document.documentElement.dataset.sameDocument = 'yes'");

            for (int i = 0; i < 200; i++) {
                assertThat(lb.get("/echo").status()).isEqualTo(200);
            }
            wait.until(d -> !"0".equals(figure(page, a, ".f-rps")) || !"0".equals(figure(page, b, ".f-rps")));

            a.process().kill();
            wait.until(d -> "ejected".equals(stateOf(page, a)));
            assertThat(stateOf(page, b)).isEqualTo("healthy");
            assertThat(card(page, a).findElement(By.cssSelector(".state")).getText()).isEqualToIgnoringCase("ejected");
            wait.until(d -> "1".equals(page.findElement(By.id("t-available")).getText()));
            assertThat(sameDocument(page)).isTrue();
            browser.screenshot(SCREENSHOTS.resolve("dashboard.png"));

            page.manage().window().setSize(new Dimension(390, 1100));
            wait.until(d -> card(d.findElement(By.id("backends")), a).getRect().getWidth() < 390);
            browser.screenshot(SCREENSHOTS.resolve("dashboard-phone.png"));
            page.manage().window().setSize(new Dimension(1280, 900));

            balancer.process().kill();
            wait.until(d -> d.findElement(By.id("banner")).isDisplayed());
            assertThat(page.findElement(By.id("live-text")).getText()).isEqualTo("offline");
            browser.screenshot(SCREENSHOTS.resolve("dashboard-offline.png"));

            balancer.process().start().awaitReady(BalancerProcess.START_TIMEOUT);
            wait.until(d -> !d.findElement(By.id("banner")).isDisplayed() && "healthy".equals(stateOf(page, b)));
            assertThat(sameDocument(page)).isTrue();
        }
    }

    private static WebElement card(org.openqa.selenium.SearchContext page, BackendProcess backend) {
        return page.findElement(By.cssSelector("[data-backend='" + backend.url() + "']"));
    }

    private static String stateOf(ChromeDriver page, BackendProcess backend) {
        var found = page.findElements(By.cssSelector("[data-backend='" + backend.url() + "']"));
        return found.isEmpty() ? "absent" : found.getFirst().getDomAttribute("data-state");
    }

    private static String figure(ChromeDriver page, BackendProcess backend, String selector) {
        return card(page, backend).findElement(By.cssSelector(selector)).getText();
    }

    private static boolean sameDocument(ChromeDriver page) {
        return "yes".equals(page.executeScript("return document.documentElement.dataset.sameDocument"));
    }
}
